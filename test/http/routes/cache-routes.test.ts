import { expect } from 'chai';
import Koa from 'koa';
import Router from '@koa/router';
import { Registry } from 'prom-client';
import { errorMapper } from '../../../src/http/middleware/error-mapper.js';
import { registerCacheRoutes } from '../../../src/http/routes/cache-routes.js';
import { createLogger } from '../../../src/shared/logger.js';
import { StorageEngine } from '../../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../../src/storage/storage-metrics.js';
import { serveOnLoopback, type Served } from '../../helpers/http.js';

const LAST = '/api/v3/configure/last_cache';
const DISTINCT = '/api/v3/configure/distinct_cache';

describe('http/routes/cache-routes', () => {
  let storage: StorageEngine;
  let served: Served;
  let url: string;

  const send = async (method: string, path: string, body?: unknown, query?: Record<string, string>) => {
    const qs = query ? `?${new URLSearchParams(query)}` : '';
    const res = await fetch(`${url}${path}${qs}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : null };
  };
  const post = (path: string, body: unknown) => send('POST', path, body);

  before(async () => {
    storage = new StorageEngine({ objectStore: 'memory', dataDir: null, walFlushIntervalMs: 1000, logger: createLogger('silent'), metrics: new StorageMetrics(new Registry()) });
    await storage.start();
    const app = new Koa();
    app.use(errorMapper(createLogger('silent')));
    const router = new Router();
    registerCacheRoutes(router, { caches: storage.caches, maxBodyBytes: 1 << 20 });
    app.use(router.routes());
    served = await serveOnLoopback(app.callback());
    url = served.url;
  });
  beforeEach(async () => {
    for (const d of storage.caches.lastDefinitions()) storage.caches.deleteLastCache('db', d.table, d.name);
    for (const d of storage.caches.distinctDefinitions()) storage.caches.deleteDistinctCache('db', d.table, d.name);
    await storage.write('db', 'tbl,t1=a,t2=b,t3=c f1=true,f2="hello",f3=4i,f4=4u,f5=5 1000', { precision: 's', acceptPartial: false, noSync: true });
  });
  after(async () => {
    await served.close();
    await storage.stop();
  });

  it("answers a create 201 with upstream's catalog batch: ids, column identifiers, the catalog sequence", async () => {
    const db = storage.requireDatabase('db');
    const table = db.tables.find((t) => t.name === 'tbl')!;
    const r = await post(LAST, { db: 'db', table: 'tbl' });
    expect(r.status).to.equal(201);
    expect(r.text.endsWith('}\n')).to.equal(true);
    const batch = r.json.catalog_batch.Database;
    expect(batch).to.include({ database_id: db.id, database_name: 'db' });
    expect(batch.time_ns).to.be.a('number').above(1.6e18);
    expect(batch.ops).to.deep.equal([{
      CreateLastCache: {
        table_id: table.id, table: 'tbl', id: 0, node_spec: 'all', name: 'tbl_t1_t2_t3_last_cache',
        key_columns: [{ tag: 0 }, { tag: 1 }, { tag: 2 }], value_columns: 'all_non_key_columns', count: 1, ttl: 14400,
      },
    }]);
    const named = await post(LAST, { db: 'db', table: 'tbl', name: 'my_cache', key_columns: ['t1', 'f3'], value_columns: ['f5'], count: 10, ttl: 60 });
    expect(named.status).to.equal(201);
    expect(named.json.sequence_number).to.equal(r.json.sequence_number + 1);
    const op = named.json.catalog_batch.Database.ops[0].CreateLastCache;
    expect(op).to.include({ id: 1, name: 'my_cache', count: 10, ttl: 60 });
    expect(op.key_columns).to.deep.equal([{ tag: 0 }, { field: [0, 2] }]);
    expect(op.value_columns).to.deep.equal({ explicit: { columns: [{ field: [0, 4] }, 'timestamp'] } });
    const d = await post(DISTINCT, { db: 'db', table: 'tbl', columns: ['t1', 'f2'], max_age: 60 });
    expect(d.status).to.equal(201);
    expect(d.json.catalog_batch.Database.ops).to.deep.equal([{
      CreateDistinctCache: {
        table_id: table.id, table_name: 'tbl', node_spec: 'all', cache_id: 0, cache_name: 'tbl_t1_f2_distinct_cache',
        column_ids: [{ tag: 0 }, { field: [0, 1] }], max_cardinality: 100000, max_age_seconds: 60, source: { type: 'User' },
      },
    }]);
  });

  it('400s name the bad value (upstream cases)', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, "missing required parameter 'db'"],
      [{ table: 'tbl' }, "missing required parameter 'db'"],
      [{ db: 'db' }, "missing required parameter 'table'"],
      [{ db: 'db', table: 'tbl', key_columns: ['not_a_key_column'] }, 'invalid configuration provided: invalid key column provided: not_a_key_column'],
      [{ db: 'db', table: 'tbl', key_columns: ['f5'] }, "got key column 'f5' of type float64"],
      [{ db: 'db', table: 'tbl', value_columns: ['not_a_value_column'] }, 'invalid value column provided: not_a_value_column'],
      [{ db: 'db', table: 'tbl', key_columns: ['t1'], value_columns: ['t1'] }, "column 't1' is a key column"],
      [{ db: 'db', table: 'tbl', count: 11 }, 'invalid count 11: the last cache holds 1 to 10 values per key'],
      [{ db: 'db', table: 'tbl', count: 0 }, 'invalid count 0'],
      [{ db: 'db', table: 'tbl', ttl: -5 }, 'invalid ttl -5'],
      [{ db: 'db', table: 'tbl', ttl: 'soon' }, 'invalid ttl "soon"'],
      [{ db: 'db', table: 'tbl', key_columns: 't1' }, `'key_columns' must be a list of column names, got "t1"`],
      [{ db: 'db', table: 'tbl', key_columns: ['t1', 't1'] }, "column 't1' is listed twice in 'key_columns'"],
    ];
    for (const [body, message] of cases) {
      const r = await post(LAST, body);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.json.error, JSON.stringify(body)).to.include(message);
    }
    const d = await post(DISTINCT, { db: 'db', table: 'tbl', columns: ['f3'] });
    expect([d.status, d.json.error]).to.deep.equal([400, "only tag and string columns are supported in the distinct cache, got column 'f3' of type int64"]);
    const none = await post(DISTINCT, { db: 'db', table: 'tbl' });
    expect([none.status, none.json.error]).to.deep.equal([400, 'invalid configuration provided: no columns provided when creating distinct cache']);
    const card = await post(DISTINCT, { db: 'db', table: 'tbl', columns: ['t1'], max_cardinality: 0 });
    expect([card.status, card.json.error]).to.deep.equal([400, 'invalid configuration provided: invalid max_cardinality 0: expected a whole number, at least 1']);
  });

  it('404 for an unknown database or table, 415 without a JSON content type', async () => {
    expect(await post(LAST, { db: 'nope', table: 'tbl' })).to.deep.include({ status: 404, json: { error: 'database not found: nope' } });
    expect(await post(LAST, { db: 'db', table: 'nope' })).to.deep.include({ status: 404, json: { error: 'table not found: nope' } });
    expect((await post(DISTINCT, { db: 'db', table: 'nope', columns: ['t1'] })).status).to.equal(404);
    const raw = await fetch(`${url}${LAST}`, { method: 'POST', body: '{"db":"db","table":"tbl"}', headers: { 'content-type': 'text/plain' } });
    expect(raw.status).to.equal(415);
  });

  it('409 for a duplicate name, whatever the other settings', async () => {
    expect((await post(LAST, { db: 'db', table: 'tbl', name: 'c' })).status).to.equal(201);
    const again = await post(LAST, { db: 'db', table: 'tbl', name: 'c', ttl: 666 });
    expect([again.status, again.json.error]).to.deep.equal([409, 'attempted to create a resource that already exists']);
    expect((await post(DISTINCT, { db: 'db', table: 'tbl', columns: ['t1'] })).status).to.equal(201);
    expect((await post(DISTINCT, { db: 'db', table: 'tbl', columns: ['t1'] })).status).to.equal(409);
  });

  it('deletes by JSON body or query string: 200, then 404; missing parameters are 400s', async () => {
    await post(LAST, { db: 'db', table: 'tbl', name: 'c' });
    for (const partial of [{ db: 'db' }, { table: 'tbl' }, { name: 'c' }, { db: 'db', table: 'tbl' }]) {
      expect((await send('DELETE', LAST, partial)).status, JSON.stringify(partial)).to.equal(400);
    }
    expect(await send('DELETE', LAST, { db: 'db', table: 'tbl', name: 'c' })).to.include({ status: 200, text: '' });
    const gone = await send('DELETE', LAST, undefined, { db: 'db', table: 'tbl', name: 'c' });
    expect([gone.status, gone.json.error]).to.deep.equal([404, "last cache not found: 'c' on table 'tbl'"]);
    await post(DISTINCT, { db: 'db', table: 'tbl', columns: ['t1'], name: 'd' });
    expect((await send('DELETE', DISTINCT, undefined, { db: 'db', table: 'tbl', name: 'd' })).status).to.equal(200);
    expect((await send('DELETE', DISTINCT, { db: 'db', table: 'tbl', name: 'd' })).status).to.equal(404);
  });
});
