import { expect } from 'chai';
import { startServer, removeDir, runCli, type ServerHandle } from '../helpers/server-process.js';

interface V1Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}
interface V1Body {
  results?: Array<{ statement_id: number; series?: V1Series[]; error?: string }>;
  error?: string;
}

// Two hosts over one minute, written at second precision; host b skips 20 s and 30 s.
const LP = [
  'cpu,host=a,region=us usage=1,idle=90i 1700000000',
  'cpu,host=a,region=us usage=2,idle=80i 1700000010',
  'cpu,host=a,region=us usage=4,idle=70i 1700000020',
  'cpu,host=a,region=us usage=3,idle=60i 1700000030',
  'cpu,host=a,region=us usage=8,idle=50i 1700000040',
  'cpu,host=a,region=us usage=5,idle=40i 1700000050',
  'cpu,host=b,region=eu usage=10,idle=10i 1700000000',
  'cpu,host=b,region=eu usage=20,idle=20i 1700000010',
  'cpu,host=b,region=eu usage=40,idle=40i 1700000040',
  'cpu,host=b,region=eu usage=30,idle=30i 1700000050',
  'mem,host=a free=100i 1700000000',
].join('\n');
const RANGE = 'time >= 1700000000000ms AND time <= 1700000059000ms';
const SQL_RANGE = "time >= '2023-11-14T22:13:20' AND time <= '2023-11-14T22:14:19'";

describe('integration: InfluxQL over HTTP (/query and /api/v3/query_influxql)', function () {
  this.timeout(60_000);
  let s: ServerHandle;

  const v1 = async (q: string, extra: Record<string, string> = {}): Promise<{ status: number; body: V1Body }> => {
    const params = new URLSearchParams({ db: 'grafana', q, ...extra });
    const r = await fetch(`${s.url}/query?${params}`);
    return { status: r.status, body: (await r.json()) as V1Body };
  };
  const sql = async (q: string): Promise<Array<Record<string, unknown>>> => {
    const r = await fetch(`${s.url}/api/v3/query_sql?db=grafana&format=json&q=${encodeURIComponent(q)}`);
    expect(r.status, await r.clone().text()).to.equal(200);
    return (await r.json()) as Array<Record<string, unknown>>;
  };
  const isoToMs = (iso: unknown): number => Date.parse(`${String(iso)}Z`);

  before(async () => {
    s = await startServer();
    const w = await fetch(`${s.url}/api/v3/write_lp?db=grafana&precision=second`, { method: 'POST', body: LP });
    expect(w.status).to.equal(204);
  });
  after(async () => {
    await s.stop();
    removeDir(s.dataDir);
  });

  it('answers a Grafana panel query in the 1.x JSON shape, values equal to the SQL equivalent', async () => {
    const q = `SELECT mean("usage") AS "mean_usage", max("idle") FROM "autogen"."cpu" WHERE ("host" =~ /^(a|b)$/) AND ${RANGE} GROUP BY time(20s), "host" fill(null)`;
    const { status, body } = await v1(q, { epoch: 'ms' });
    expect(status).to.equal(200);
    const series = body.results![0]!.series!;
    expect(body.results![0]!.statement_id).to.equal(0);
    expect(series.map((x) => [x.name, x.tags, x.columns])).to.deep.equal([
      ['cpu', { host: 'a' }, ['time', 'mean_usage', 'max']],
      ['cpu', { host: 'b' }, ['time', 'mean_usage', 'max']],
    ]);
    const rows = await sql(
      `SELECT host, date_bin(INTERVAL '20 seconds', time) AS w, avg(usage) AS m, max(idle) AS x FROM cpu WHERE ${SQL_RANGE} GROUP BY host, w ORDER BY host, w`,
    );
    // Every 20 s window of the range; a window SQL has no row for is null (fill(null)).
    const expected = (host: string) =>
      [0, 20_000, 40_000].map((off) => {
        const r = rows.find((x) => x.host === host && isoToMs(x.w) === 1_700_000_000_000 + off);
        return [1_700_000_000_000 + off, r?.m ?? null, r?.x ?? null];
      });
    expect(series[0]!.values).to.deep.equal(expected('a'));
    expect(series[1]!.values).to.deep.equal(expected('b'));
  });

  it('returns raw points with RFC3339 times unless epoch is given, and several statements', async () => {
    const { body } = await v1(`SELECT usage, idle FROM cpu WHERE host = 'b' ORDER BY time DESC LIMIT 2; SELECT count(usage) FROM cpu WHERE ${RANGE}`);
    expect(body).to.deep.equal({
      results: [
        {
          statement_id: 0,
          series: [{ name: 'cpu', columns: ['time', 'usage', 'idle'], values: [['2023-11-14T22:14:10Z', 30, 30], ['2023-11-14T22:14:00Z', 40, 40]] }],
        },
        { statement_id: 1, series: [{ name: 'cpu', columns: ['time', 'count'], values: [['2023-11-14T22:13:20Z', 10]] }] },
      ],
    });
    const raw = await sql(`SELECT usage, idle, time FROM cpu WHERE host = 'b' ORDER BY time DESC LIMIT 2`);
    expect(body.results![0]!.series![0]!.values.map((v) => [v[1], v[2]])).to.deep.equal(raw.map((r) => [r.usage, r.idle]));
    for (const [epoch, div] of [['s', 1_000], ['ms', 1], ['u', 1e-3], ['ns', 1e-6]] as const) {
      const { body: b } = await v1(`SELECT usage FROM cpu WHERE host = 'a' LIMIT 1`, { epoch });
      expect(b.results![0]!.series![0]!.values[0]![0]).to.equal(1_700_000_000_000 / div);
    }
  });

  it('accepts POST with a form body (q in the body, db in the URL) and bound parameters', async () => {
    const r = await fetch(`${s.url}/query?db=grafana`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ q: 'SELECT last(usage) FROM cpu WHERE host = $h', params: JSON.stringify({ h: 'a' }), epoch: 's' }),
    });
    expect(r.status).to.equal(200);
    expect(await r.json()).to.deep.equal({ results: [{ statement_id: 0, series: [{ name: 'cpu', columns: ['time', 'last'], values: [[1_700_000_050, 5]] }] }] });
  });

  it('answers the SHOW statements Grafana uses for its pickers', async () => {
    const { body } = await v1('SHOW MEASUREMENTS LIMIT 100; SHOW TAG KEYS FROM "cpu"; SHOW TAG VALUES FROM "cpu" WITH KEY = "host"; SHOW FIELD KEYS FROM "cpu"; SHOW RETENTION POLICIES ON "grafana"; SHOW DATABASES');
    const series = body.results!.map((r) => r.series);
    expect(series[0]).to.deep.equal([{ name: 'measurements', columns: ['name'], values: [['cpu'], ['mem']] }]);
    expect(series[1]).to.deep.equal([{ name: 'cpu', columns: ['tagKey'], values: [['host'], ['region']] }]);
    const hosts = (await sql('SELECT DISTINCT host FROM cpu ORDER BY host')).map((r) => ['host', r.host]);
    expect(series[2]).to.deep.equal([{ name: 'cpu', columns: ['key', 'value'], values: hosts }]);
    expect(series[3]).to.deep.equal([{ name: 'cpu', columns: ['fieldKey', 'fieldType'], values: [['idle', 'integer'], ['usage', 'float']] }]);
    expect(series[4]).to.deep.equal([{ columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'], values: [['autogen', '0s', '168h0m0s', 1, true]] }]);
    expect(series[5]![0]!.values).to.deep.include(['grafana']);
  });

  it('reports errors as InfluxDB 1.x and upstream do: syntax and unsupported constructs as the statement error of a 200', async () => {
    const parse = await v1('SELECT FROM cpu');
    expect(parse.status).to.equal(200);
    expect(parse.body.results![0]!.error).to.match(/^error parsing query: found FROM/);
    const into = await v1('SELECT usage INTO other FROM cpu');
    expect(into).to.deep.equal({ status: 200, body: { results: [{ statement_id: 0, error: 'InfluxQL: SELECT INTO is not supported' }] } });
    const top = await v1('SELECT top(usage, 2) FROM cpu');
    expect(top).to.deep.equal({ status: 200, body: { results: [{ statement_id: 0, error: 'InfluxQL: top() is not supported' }] } });
    const missing = await fetch(`${s.url}/query?db=grafana`);
    expect(missing.status).to.equal(400);
    expect(await missing.json()).to.deep.equal({ error: 'missing required parameter "q"' });
    const noDb = await (await fetch(`${s.url}/query?q=${encodeURIComponent('SELECT usage FROM nope..cpu')}`)).json();
    expect(noDb).to.deep.equal({ results: [{ statement_id: 0, error: 'database not found: nope' }] });
    const cross = await v1('SELECT usage FROM nope..cpu');
    expect(cross.status).to.equal(200);
    expect(cross.body.results![0]!.error).to.match(/request is for database "grafana" and cannot read database "nope"/);
  });

  it('serves /api/v3/query_influxql in the query_sql formats with an iox::measurement column', async () => {
    const q = `SELECT mean(usage) FROM cpu WHERE ${RANGE} GROUP BY time(30s), host`;
    const r = await fetch(`${s.url}/api/v3/query_influxql?db=grafana&q=${encodeURIComponent(q)}`);
    expect(r.status).to.equal(200);
    const rows = (await r.json()) as Array<Record<string, unknown>>;
    const want = await sql(`SELECT host, date_bin(INTERVAL '30 seconds', time) AS time, avg(usage) AS mean FROM cpu GROUP BY host, 2 ORDER BY host, 2`);
    expect(rows).to.deep.equal(want.map((w) => ({ 'iox::measurement': 'cpu', time: w.time, host: w.host, mean: w.mean })));
    const csv = await fetch(`${s.url}/api/v3/query_influxql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ db: 'grafana', q: 'SHOW FIELD KEYS FROM cpu', format: 'csv' }),
    });
    expect(await csv.text()).to.equal('iox::measurement,fieldKey,fieldType\ncpu,idle,integer\ncpu,usage,float\n');
    const bad = await fetch(`${s.url}/api/v3/query_influxql?db=grafana&q=${encodeURIComponent('SHOW USERS')}`);
    expect(bad.status).to.equal(400);
    expect(await bad.json()).to.deep.equal({ error: 'InfluxQL: SHOW USERS is not supported' });
  });

  it('runs InfluxQL from the CLI with -l influxql', async () => {
    const r = await runCli(['query', '-H', s.url, '-d', 'grafana', '-l', 'influxql', '--format', 'jsonl', `SELECT max(usage) FROM cpu WHERE host = 'b'`]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('{"iox::measurement":"cpu","time":"2023-11-14T22:14:00","max":40.0}\n');
  });
});
