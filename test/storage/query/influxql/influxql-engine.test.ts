import { expect } from 'chai';
import type { StorageEngine } from '../../../../src/storage/storage-engine.js';
import { runInfluxql, type Series, type StatementResult } from '../../../../src/storage/query/influxql/influxql-engine.js';
import { storageHost } from '../../../../src/storage/query/influxql/storage-host.js';
import { CPU_LP, memoryStorage, writeLp } from './influxql-fixtures.js';

const S = 1_000_000_000n;
const NOW = 100n * S;

describe('InfluxQL engine: answers match the equivalent SQL', () => {
  let storage: StorageEngine;
  const run = async (q: string): Promise<StatementResult[]> => runInfluxql(storageHost(storage), q, { db: 'foo', nowNs: NOW });
  const series = async (q: string): Promise<Series[]> => {
    const [r] = await run(q);
    if (r!.error) throw new Error(r!.error);
    return r!.series;
  };
  const sql = async (q: string): Promise<unknown[][]> => (await storage.query('foo', q)).rows;

  before(async () => {
    storage = await memoryStorage();
    await writeLp(storage, 'foo', CPU_LP);
    await writeLp(storage, 'bar', 'cpu,host=z usage=99 0');
  });
  after(() => storage.stop());

  it('raw points: time first, fields in order, filtered by tag and time', async () => {
    const [s, ...rest] = await series(`SELECT usage, idle FROM cpu WHERE host = 'a' AND time >= 10s AND time < 40s`);
    expect(rest).to.have.length(0);
    expect(s!.name).to.equal('cpu');
    expect(s!.columns).to.deep.equal(['time', 'usage', 'idle']);
    expect(s!.tags).to.equal(undefined);
    expect(s!.values).to.deep.equal(
      await sql(`SELECT epoch_ns(time), usage, idle FROM cpu WHERE host = 'a' AND time >= '1970-01-01T00:00:10' AND time < '1970-01-01T00:00:40' ORDER BY time`),
    );
  });

  it('regex, != and OR conditions, field comparisons and arithmetic', async () => {
    const [s] = await series(`SELECT usage * 2 + 1 FROM cpu WHERE (host =~ /^[ab]$/ AND usage > 3) OR region != 'us'`);
    const expected = await sql(
      `SELECT epoch_ns(time), usage * 2 + 1 FROM cpu WHERE (regexp_matches(host, '^[ab]$') AND usage > 3) OR coalesce(region, '') <> 'us' ORDER BY time, host`,
    );
    expect(s!.values).to.deep.equal(expected);
    expect(s!.columns).to.deep.equal(['time', 'usage']);
  });

  it('GROUP BY time windows aligned to the epoch, bounded by WHERE, with fill(null) for empty windows', async () => {
    const got = await series(`SELECT mean(usage), count(usage), sum(idle), min(usage), max(usage) FROM cpu WHERE time >= 0s AND time <= 55s AND host = 'b' GROUP BY time(20s)`);
    const rows = await sql(
      `SELECT epoch_ns(date_bin(INTERVAL '20 seconds', time)) AS w, avg(usage), count(usage), sum(idle), min(usage), max(usage) FROM cpu WHERE host = 'b' GROUP BY w ORDER BY w`,
    );
    const byWindow = new Map(rows.map((r) => [r[0], r.slice(1)]));
    expect(got[0]!.values.map((v) => v[0])).to.deep.equal([0n, 20n * S, 40n * S]);
    for (const v of got[0]!.values) {
      const want = byWindow.get(v[0]) ?? [null, 0n, null, null, null];
      expect(v.slice(1)).to.deep.equal(want);
    }
  });

  it('GROUP BY time with an offset, GROUP BY tags and every fill mode', async () => {
    const [a] = await series(`SELECT mean(usage) FROM cpu WHERE time >= 0s AND time <= 50s GROUP BY time(20s, 5s), host`);
    expect(a!.tags).to.deep.equal({ host: 'a' });
    expect(a!.values.map((v) => v[0])).to.deep.equal([-15n * S, 5n * S, 25n * S, 45n * S]);
    const rows = await sql(
      `SELECT epoch_ns(date_bin(INTERVAL '20 seconds', time, TIMESTAMP '1970-01-01 00:00:05')) AS w, avg(usage) FROM cpu WHERE host = 'a' GROUP BY w ORDER BY w`,
    );
    expect(a!.values).to.deep.equal(rows);
    const fill = async (f: string) => (await series(`SELECT mean(usage) FROM cpu WHERE host = 'b' AND time >= 0s AND time <= 50s GROUP BY time(10s) fill(${f})`))[0]!.values.map((v) => v[1]);
    expect(await fill('null')).to.deep.equal([10, 20, null, null, 40, 30]);
    expect(await fill('none')).to.deep.equal([10, 20, 40, 30]);
    expect(await fill('0')).to.deep.equal([10, 20, 0, 0, 40, 30]);
    expect(await fill('previous')).to.deep.equal([10, 20, 20, 20, 40, 30]);
    expect(await fill('linear')).to.deep.equal([10, 20, 20 + 20 / 3, 20 + 40 / 3, 40, 30]);
  });

  it('one series per tag set with GROUP BY * (a missing tag reads ""), SLIMIT/SOFFSET and per-series LIMIT', async () => {
    const all = await series('SELECT last(usage) FROM cpu GROUP BY *');
    expect(all.map((s) => s.tags)).to.deep.equal([{ host: 'a', region: 'us' }, { host: 'b', region: 'eu' }, { host: 'c', region: '' }]);
    const want = await sql(`SELECT host, arg_max(usage, time), epoch_ns(max(time)) FROM cpu GROUP BY host ORDER BY host`);
    expect(all.map((s) => [s.tags!.host, s.values[0]![1], s.values[0]![0]])).to.deep.equal(want);
    const paged = await series('SELECT usage FROM cpu GROUP BY host ORDER BY time DESC LIMIT 2 SLIMIT 2 SOFFSET 1');
    expect(paged.map((s) => s.tags!.host)).to.deep.equal(['b', 'c']);
    expect(paged[0]!.values).to.deep.equal(await sql(`SELECT epoch_ns(time), usage FROM cpu WHERE host = 'b' ORDER BY time DESC LIMIT 2`));
  });

  it('selectors return the point time when not grouped by time; other aggregates the range start', async () => {
    const [max] = await series('SELECT max(usage), host FROM cpu');
    const [[t, v, h]] = (await sql('SELECT epoch_ns(time), usage, host FROM cpu ORDER BY usage DESC, time LIMIT 1')) as [[bigint, number, string]];
    expect(max!.values).to.deep.equal([[t, v, h]]);
    const [first] = await series(`SELECT first(usage) FROM cpu WHERE host = 'a'`);
    expect(first!.values).to.deep.equal(await sql(`SELECT epoch_ns(time), usage FROM cpu WHERE host = 'a' ORDER BY time LIMIT 1`));
    const [mean] = await series(`SELECT mean(usage) FROM cpu WHERE time >= 10s`);
    expect(mean!.values).to.deep.equal([[10n * S, (await sql(`SELECT avg(usage) FROM cpu WHERE time >= '1970-01-01T00:00:10'`))[0]![0]]]);
    const [noRange] = await series('SELECT count(usage), spread(usage) FROM cpu');
    expect(noRange!.values).to.deep.equal([[0n, ...(await sql('SELECT count(usage), max(usage) - min(usage) FROM cpu'))[0]!]]);
  });

  it('median and percentile (nearest rank) match the values computed from the raw rows', async () => {
    const [s] = await series('SELECT median(usage), percentile(usage, 90), percentile(usage, 25) FROM cpu');
    const values = (await sql('SELECT usage FROM cpu WHERE usage IS NOT NULL ORDER BY usage')).map((r) => r[0] as number);
    const mid = values.length / 2;
    const median = values.length % 2 ? values[Math.floor(mid)] : (values[mid - 1]! + values[mid]!) / 2;
    const nearest = (p: number) => values[Math.floor((values.length * p) / 100 + 0.5) - 1];
    expect(s!.values[0]!.slice(1)).to.deep.equal([median, nearest(90), nearest(25)]);
  });

  it('derivative and difference over GROUP BY time match SQL with lag()', async () => {
    const [s] = await series(`SELECT derivative(mean(usage), 1s), difference(max(usage)) FROM cpu WHERE host = 'a' AND time >= 0s AND time <= 50s GROUP BY time(10s)`);
    const rows = await sql(
      `SELECT epoch_ns(time), (usage - lag(usage) OVER w) / 10, usage - lag(usage) OVER w FROM cpu WHERE host = 'a' WINDOW w AS (ORDER BY time) ORDER BY time OFFSET 1`,
    );
    expect(s!.values).to.deep.equal(rows);
  });

  it('regex sources, db..m and "db"."rp"."m" sources', async () => {
    const names = (await series('SELECT * FROM /^(cpu|mem)$/')).map((s) => s.name);
    expect(names).to.deep.equal(['cpu', 'mem']);
    const other = async (q: string) => (await runInfluxql(storageHost(storage), q, { nowNs: NOW }))[0]!;
    expect((await other('SELECT usage FROM bar..cpu')).series[0]!.values).to.deep.equal([[0n, 99]]);
    expect((await other('SELECT usage FROM "bar"."autogen"."cpu"')).series[0]!.values).to.deep.equal([[0n, 99]]);
    expect((await series('SELECT usage FROM foo..cpu WHERE usage > 29'))[0]!.values).to.have.length(2);
    // A request for one database never reads another (tokens are checked for the request's db only).
    expect((await run('SELECT usage FROM bar..cpu'))[0]!.error).to.equal(
      'InfluxQL: this request is for database "foo" and cannot read database "bar"; send db=bar instead',
    );
    expect((await run('SHOW MEASUREMENTS ON bar'))[0]!.error).to.match(/cannot read database "bar"/);
  });

  it('SHOW statements agree with the catalog and the data', async () => {
    expect((await series('SHOW MEASUREMENTS'))[0]!.values).to.deep.equal([['cpu'], ['disk'], ['mem']]);
    expect((await series(`SHOW MEASUREMENTS WHERE host = 'c'`))[0]!.values).to.deep.equal([['cpu']]);
    const tagValues = await series(`SHOW TAG VALUES FROM cpu WITH KEY = "host" WHERE region = 'us' OR usage > 6`);
    expect(tagValues[0]!.values).to.deep.equal(
      (await sql(`SELECT DISTINCT 'host', host FROM cpu WHERE region = 'us' OR usage > 6 ORDER BY host`)),
    );
    expect((await series('SHOW TAG KEYS FROM cpu'))[0]!.values).to.deep.equal([['host'], ['region']]);
    expect((await series(`SHOW TAG KEYS FROM cpu WHERE host = 'c'`))[0]!.values).to.deep.equal([['host']]);
    expect((await series('SHOW FIELD KEYS FROM cpu'))[0]!.values).to.deep.equal([['idle', 'integer'], ['msg', 'string'], ['usage', 'float']]);
    expect((await series('SHOW SERIES FROM mem'))[0]!.values).to.deep.equal([['mem,host=a']]);
  });

  it('reports statement errors and marks later statements not executed', async () => {
    const r = await run('SELECT usage FROM cpu LIMIT 1; SELECT mean(msg) FROM cpu; SHOW DATABASES');
    expect(r.map((x) => x.error)).to.deep.equal([undefined, 'InfluxQL: mean() needs a numeric field; "msg" is a string field', 'not executed']);
    const noDb = await runInfluxql(storageHost(storage), 'SELECT usage FROM cpu', {});
    expect(noDb[0]!.error).to.equal('database name required');
    expect((await runInfluxql(storageHost(storage), 'SELECT usage FROM nope..cpu', {}))[0]!.error).to.equal('database not found: nope');
    expect((await run('SELECT usage FROM nosuch'))[0]).to.deep.equal({ statementId: 0, series: [], timeColumn: true });
  });
});
