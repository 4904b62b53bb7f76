import { expect } from 'chai';
import { Registry } from 'prom-client';
import { createLogger } from '../../../src/shared/logger.js';
import { StorageEngine } from '../../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../../src/storage/storage-metrics.js';
import { DatabaseAdmin } from '../../../src/storage/database-admin.js';
import type { TableFunctionCall } from '../../../src/storage/query/table-functions.js';
import { tempDir } from '../duckdb/store-fixtures.js';

const logger = createLogger('silent');
const NOW = BigInt(Date.now()) * 1_000_000n;

function engine(dataDir: string | null = null): StorageEngine {
  return new StorageEngine({
    objectStore: dataDir ? 'file' : 'memory',
    dataDir,
    walFlushIntervalMs: 1000,
    logger,
    metrics: new StorageMetrics(new Registry()),
  });
}

const write = (s: StorageEngine, db: string, lp: string) => s.write(db, lp, { precision: 'ns', acceptPartial: false, noSync: true });
const rows = async (s: StorageEngine, db: string, sql: string, params?: Record<string, string>) => (await s.query(db, sql, params)).rows;

async function error(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { status: number; message: string };
  }
  throw new Error('expected an error');
}

describe('storage/caches/cache-manager (through StorageEngine)', () => {
  let s: StorageEngine;
  beforeEach(async () => {
    s = engine();
    await s.start();
    await write(s, 'db', [
      `cpu,host=a,region=us usage=1,n=1i,ok=t,msg="x" ${NOW - 30n}`,
      `cpu,host=a,region=us usage=2 ${NOW - 20n}`,
      `cpu,host=b,region=eu usage=3 ${NOW - 10n}`,
    ].join('\n'));
  });
  afterEach(async () => {
    await s.stop();
  });

  it('defaults: keys are the tags, values every other column, count 1, ttl 4 h, and the upstream name', async () => {
    const def = await s.caches.createLastCache('db', 'cpu', {});
    expect(def).to.include({ name: 'cpu_host_region_last_cache', count: 1, ttlSeconds: 14_400, valueColumns: null });
    expect(def.keyColumns).to.deep.equal(['host', 'region']);
    const d = await s.caches.createDistinctCache('db', 'cpu', { columns: ['region'] });
    expect(d).to.include({ name: 'cpu_region_distinct_cache', maxCardinality: 100_000, maxAgeSeconds: 86_400 });
  });

  it('backfills from stored rows on create and then follows new writes', async () => {
    await s.caches.createLastCache('db', 'cpu', { key_columns: ['host'], value_columns: ['usage'], count: 2 });
    expect(await rows(s, 'db', "SELECT host, usage FROM last_cache('cpu') ORDER BY host, time DESC")).to.deep.equal([
      ['a', 2],
      ['a', 1],
      ['b', 3],
    ]);
    await write(s, 'db', `cpu,host=a,region=us usage=4 ${NOW}`);
    expect(await rows(s, 'db', "SELECT * FROM last_cache('cpu') WHERE host = 'a'")).to.deep.equal([
      ['a', 4, NOW],
      ['a', 2, NOW - 20n],
    ]);
  });

  it('pushes key predicates down into the cache lookup (the WHERE clause still applies)', async () => {
    await s.caches.createLastCache('db', 'cpu', { key_columns: ['region', 'host'] });
    // Count the rows the cache hands to DuckDB for each call.
    const handed: number[] = [];
    const call = s.caches.call.bind(s.caches);
    s.caches.call = (dbId: number, c: TableFunctionCall) => {
      const t = call(dbId, c);
      handed.push(t.rows.length);
      return t;
    };
    expect(await rows(s, 'db', "SELECT region, host, usage FROM last_cache('cpu') WHERE host = $h AND usage > 0", { h: 'b' })).to.deep.equal([['eu', 'b', 3]]);
    expect(await rows(s, 'db', "SELECT host FROM last_cache('cpu') WHERE host = 'a' OR host = 'b' ORDER BY host")).to.deep.equal([['a'], ['b']]);
    expect(await rows(s, 'db', "SELECT host FROM last_cache('cpu') WHERE region IN ('eu', 'ap')")).to.deep.equal([['b']]);
    expect(handed).to.deep.equal([1, 2, 1]);
    // A literal of the wrong type is left to DuckDB, never guessed.
    expect(await rows(s, 'db', "SELECT host FROM last_cache('cpu') WHERE host IN ('a', 'zz')")).to.deep.equal([['a']]);
  });

  it('simple lookups skip DuckDB and answer exactly as the DuckDB path does', async () => {
    await s.caches.createLastCache('db', 'cpu', { key_columns: ['host'], count: 2 });
    await s.caches.createLastCache('db', 'cpu', { name: 'typed', key_columns: ['n', 'ok'], value_columns: ['usage', 'msg'] });
    await s.caches.createDistinctCache('db', 'cpu', { columns: ['region', 'host'] });
    const sort = (r: unknown[][]) => [...r].sort((a, b) => (String(a) < String(b) ? -1 : 1));
    for (const sql of [
      "SELECT * FROM last_cache('cpu', 'cpu_host_last_cache')",
      "SELECT * FROM last_cache('cpu', 'cpu_host_last_cache') WHERE host = 'a'",
      "SELECT usage, lc.host, time FROM last_cache('cpu', 'cpu_host_last_cache') lc WHERE lc.host IN ('b', 'a', 'zz')",
      "SELECT * FROM last_cache('cpu', 'typed') WHERE n = 1 AND ok = true",
      "SELECT * FROM last_cache('cpu', 'typed') WHERE n = '1'",
      "SELECT * FROM distinct_cache('cpu') WHERE region = 'us' AND host IN ('a')",
      "SELECT host FROM distinct_cache('cpu')",
    ]) {
      const fast = await s.query('db', sql);
      const duck = await s.query('db', `${sql} LIMIT 1000000`);
      expect(fast.columns, sql).to.deep.equal(duck.columns);
      expect(sort(fast.rows), sql).to.deep.equal(sort(duck.rows));
    }
  });

  it('key columns may be int, bool and string fields; a float key is refused', async () => {
    await s.caches.createLastCache('db', 'cpu', { name: 'typed', key_columns: ['n', 'ok', 'msg'], value_columns: ['usage'] });
    expect(await rows(s, 'db', "SELECT * FROM last_cache('cpu', 'typed') WHERE n = 1 AND ok = true AND msg = 'x'")).to.deep.equal([[1n, true, 'x', 1, NOW - 30n]]);
    const e = await error(s.caches.createLastCache('db', 'cpu', { key_columns: ['usage'] }));
    expect(e.status).to.equal(400);
    expect(e.message).to.equal("only uint64, int64, bool, tag, and string columns are supported in the last cache, got key column 'usage' of type float64");
  });

  it('distinct_cache() lists combinations, narrowed by WHERE', async () => {
    await s.caches.createDistinctCache('db', 'cpu', { columns: ['region', 'host'] });
    expect(await rows(s, 'db', "SELECT * FROM distinct_cache('cpu')")).to.deep.equal([['eu', 'b'], ['us', 'a']]);
    expect(await rows(s, 'db', "SELECT host FROM distinct_cache('cpu') WHERE region = 'us'")).to.deep.equal([['a']]);
  });

  it('names the problem: unknown table, no cache, several caches, bad arguments', async () => {
    expect((await error(s.query('db', "SELECT * FROM last_cache('nope')"))).message).to.include("provided table name is invalid: 'nope'");
    expect((await error(s.query('db', "SELECT * FROM last_cache('cpu')"))).message).to.include("could not find cache for the given arguments: table 'cpu' has no last_cache");
    await s.caches.createLastCache('db', 'cpu', { name: 'one' });
    await s.caches.createLastCache('db', 'cpu', { name: 'two' });
    expect((await error(s.query('db', "SELECT * FROM last_cache('cpu')"))).message).to.include('has 2 of them (one, two)');
    expect(await rows(s, 'db', "SELECT count(*) FROM last_cache('cpu', 'two')")).to.deep.equal([[2n]]);
    expect((await error(s.query('db', 'SELECT * FROM last_cache(cpu)'))).message).to.include('first argument must be the table name as a string');
  });

  it('system tables list the definitions of the database', async () => {
    await s.caches.createLastCache('db', 'cpu', { key_columns: ['host'], value_columns: ['usage'], count: 3, ttl: 60 });
    await s.caches.createDistinctCache('db', 'cpu', { columns: ['region', 'host'], max_cardinality: 10, max_age: '1h' });
    expect(await rows(s, 'db', 'SELECT * FROM system.last_caches')).to.deep.equal([
      ['cpu', 'cpu_host_last_cache', [0], ['host'], [2, 6], ['usage', 'time'], 3n, 60n],
    ]);
    expect(await rows(s, 'db', 'SELECT * FROM system.distinct_caches')).to.deep.equal([
      ['cpu', 'cpu_region_host_distinct_cache', [1, 0], ['region', 'host'], 10n, 3600n],
    ]);
    await write(s, 'other', 'm v=1');
    expect(await rows(s, 'other', 'SELECT * FROM system.last_caches')).to.deep.equal([]);
  });

  it('drops caches with their table and their database', async () => {
    const admin = new DatabaseAdmin(s, { logger, sweepIntervalMs: 60_000 });
    await s.caches.createLastCache('db', 'cpu', {});
    await s.caches.createDistinctCache('db', 'cpu', { columns: ['host'] });
    await admin.deleteTable('db', 'cpu', undefined);
    expect(s.caches.lastDefinitions()).to.deep.equal([]);
    expect(s.caches.distinctDefinitions()).to.deep.equal([]);
    // A new table of the same name starts without caches.
    await write(s, 'db', `cpu,host=z usage=1 ${NOW}`);
    expect((await error(s.query('db', "SELECT * FROM last_cache('cpu')"))).message).to.include('has no last_cache');
    await s.caches.createLastCache('db', 'cpu', {});
    await admin.deleteDatabase('db', undefined);
    expect(s.caches.lastDefinitions()).to.deep.equal([]);
  });

  it('duplicates are a 409, deleting a missing cache a 404', async () => {
    await s.caches.createLastCache('db', 'cpu', { name: 'c' });
    expect((await error(s.caches.createLastCache('db', 'cpu', { name: 'c', count: 2 }))).status).to.equal(409);
    expect(() => s.caches.deleteLastCache('db', 'cpu', 'nope')).to.throw("last cache not found: 'nope' on table 'cpu'");
    s.caches.deleteLastCache('db', 'cpu', 'c');
    expect(s.caches.lastDefinitions()).to.deep.equal([]);
  });

  it('survives a restart: definitions from the catalog, contents rebuilt from stored data', async () => {
    const { dir, cleanup } = tempDir();
    try {
      let f = engine(dir);
      await f.start();
      await write(f, 'db', `cpu,host=a usage=1 ${NOW - 5n}\ncpu,host=a usage=2 ${NOW - 4n}\ncpu,host=b usage=3 ${NOW - 3n}\ncpu,host=old usage=0 ${NOW - 10n * 86_400_000_000_000n}`);
      await f.caches.createLastCache('db', 'cpu', { key_columns: ['host'], count: 2 });
      await f.caches.createDistinctCache('db', 'cpu', { columns: ['host'] });
      await write(f, 'db', `cpu,host=c usage=4 ${NOW - 2n}`);
      const before = await rows(f, 'db', "SELECT * FROM last_cache('cpu') ORDER BY host, time");
      await f.stop();
      f = engine(dir);
      await f.start();
      expect(await rows(f, 'db', "SELECT * FROM last_cache('cpu') ORDER BY host, time")).to.deep.equal(before);
      // Rows older than the ttl / max_age (by row time) are not reloaded.
      expect(before.map((r) => r[0])).to.deep.equal(['a', 'a', 'b', 'c']);
      expect(await rows(f, 'db', "SELECT * FROM distinct_cache('cpu')")).to.deep.equal([['a'], ['b'], ['c']]);
      await f.stop();
    } finally {
      cleanup();
    }
  });
});
