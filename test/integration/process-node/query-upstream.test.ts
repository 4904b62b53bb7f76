import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchAnswer, sendJson, type HttpAnswer } from '../../helpers/http.js';
import { removeDir, startServer, type ServerHandle } from '../../helpers/server-process.js';

// A request plugin that runs the SQL of its `sql` parameter with the `p_*` parameters as query arguments and answers
// each value with its Python type, so the node's answer can be compared with a standalone server's.
const PLUGIN = `
def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):
    sql = query_parameters.get("sql")
    params = {k[2:]: v for k, v in query_parameters.items() if k.startswith("p_")}
    try:
        rows = influxdb3_local.query(sql, params) if params else influxdb3_local.query(sql)
    except Exception as e:
        return {"error": str(e)}
    return {"rows": [[[k, type(v).__name__, repr(v)] for k, v in r.items()] for r in rows]}
`;

// Pages through a large result: every row, in order, counted and summed.
const SUM_PLUGIN = `
def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):
    rows = influxdb3_local.query("SELECT i, time FROM big ORDER BY time")
    ordered = all(rows[k]["i"] == k for k in range(len(rows)))
    return {"rows": len(rows), "sum": sum(r["i"] for r in rows), "ordered": ordered, "types": sorted({type(r["i"]).__name__ for r in rows})}
`;

const BIG_ROWS = 200_000;

const LINES = [
  'm,host=a v=1i,f=2.0,s="x",b=true 1700000000000000000',
  'm,host=a v=-3i,f=2.5,s="y",b=false 1700000001000000000',
  'm,host=b v=9007199254740993i,f=1.0 1700000002000000000',
].join('\n');

describe('process node: plugin queries answered by the upstream', function () {
  this.timeout(90_000);
  let dir: string;
  let upstream: ServerHandle;
  let node: ServerHandle;
  let token: string;

  const trigger = async (url: string, headers: Record<string, string> = {}, name = 'q'): Promise<void> => {
    const r = await fetchAnswer(`${url}/api/v3/configure/processing_engine_trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        db: 'sensors', plugin_filename: `${name}.py`, trigger_name: name, trigger_specification: `request:${name}`,
        trigger_settings: { run_async: false, error_behavior: 'log' }, trigger_arguments: null, disabled: false,
      }),
    });
    expect(r.status, r.text).to.equal(200);
  };
  const run = async (server: ServerHandle, sql: string, params: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<HttpAnswer['json']> => {
    const qs = new URLSearchParams({ sql, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [`p_${k}`, v])) });
    const r = await fetchAnswer(`${server.url}/api/v3/engine/q?${qs}`, { headers });
    expect(r.status, r.text).to.equal(200);
    return r.json;
  };
  const asUpstream = (): Record<string, string> => ({ authorization: `Bearer ${token}` });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'process-query-'));
    writeFileSync(join(dir, 'q.py'), PLUGIN);
    writeFileSync(join(dir, 'sum.py'), SUM_PLUGIN);
    token = `apiv3_${randomBytes(32).toString('base64url')}`;
    writeFileSync(join(dir, 'admin.json'), JSON.stringify({ token, name: '_admin' }), { mode: 0o600 });
    writeFileSync(join(dir, 'upstream-token'), `${token}\n`, { mode: 0o600 });
    // The upstream: auth on, the data written to it directly; with the same plugin it is the standalone reference.
    upstream = await startServer({ withoutAuth: false, args: ['--admin-token-file', join(dir, 'admin.json'), '--plugin-dir', dir] });
    const w = await fetchAnswer(`${upstream.url}/api/v3/write_lp?db=sensors&precision=nanosecond`, { method: 'POST', headers: asUpstream(), body: LINES });
    expect(w.status, w.text).to.equal(204);
    await trigger(upstream.url, asUpstream());
    node = await startServer({
      args: ['--mode', 'process', '--plugin-dir', dir, '--node-id', 'proc-1', '--upstream-url', upstream.url, '--upstream-token-file', join(dir, 'upstream-token')],
    });
    expect((await sendJson(`${node.url}/api/v3/configure/database`, { db: 'sensors' })).status).to.be.oneOf([200, 201, 204, 409]);
    await trigger(node.url);
  });

  after(async () => {
    await node?.stop();
    await upstream?.stop();
    if (dir) removeDir(dir);
  });

  it('gives the plugin the rows and Python types a standalone server gives (parameters included)', async () => {
    const cases: Array<[string, Record<string, string>?]> = [
      ['SELECT host, v, f, s, b, time FROM m WHERE host = $host ORDER BY time', { host: 'a' }],
      ['SELECT * FROM m ORDER BY time'],
      ['SELECT count(*) AS n, sum(f) AS total, max(v) AS top FROM m'],
      ['SELECT host, v FROM m WHERE host = $host', { host: 'nobody' }],
    ];
    for (const [sql, params] of cases) {
      const local = await run(upstream, sql, params, asUpstream());
      const remote = await run(node, sql, params);
      expect(local.rows, `${sql} on the standalone server: ${JSON.stringify(local)}`).to.be.an('array');
      expect(remote, sql).to.deep.equal(local);
    }
    const first = (await run(node, 'SELECT v, f, time, host, b FROM m ORDER BY time LIMIT 1')).rows[0];
    expect(first).to.deep.equal([['v', 'int', '1'], ['f', 'float', '2.0'], ['time', 'int', '1700000000000000000'], ['host', 'str', "'a'"], ['b', 'bool', 'True']]);
  });

  it("raises the upstream's error in the QueryError shape", async () => {
    const sql = 'SELECT * FROM no_such_table';
    const remote = await run(node, sql);
    expect(remote.error).to.match(/^error: .+ executing query on sensors: SELECT \* FROM no_such_table$/);
    expect(remote.error).to.include('no_such_table');
    const local = await run(upstream, sql, {}, asUpstream());
    expect(remote.error).to.equal(local.error);
  });

  it('gives the same answers over /api/v3/query_sql (--upstream-query-api http)', async () => {
    const viaHttp = await startServer({
      args: ['--mode', 'process', '--plugin-dir', dir, '--node-id', 'proc-2', '--upstream-url', upstream.url, '--upstream-token-file', join(dir, 'upstream-token'), '--upstream-query-api', 'http', '--upstream-write-api', 'v3'],
    });
    try {
      await sendJson(`${viaHttp.url}/api/v3/configure/database`, { db: 'sensors' });
      await trigger(viaHttp.url);
      for (const [sql, params] of [
        ['SELECT host, v, f, s, b, time FROM m WHERE host = $host ORDER BY time', { host: 'a' }],
        ['SELECT * FROM m ORDER BY time', {}],
        ['SELECT * FROM no_such_table', {}],
      ] as Array<[string, Record<string, string>]>) {
        expect(await run(viaHttp, sql, params), sql).to.deep.equal(await run(upstream, sql, params, asUpstream()));
      }
    } finally {
      await viaHttp.stop();
    }
  });

  it('streams a large upstream result to the plugin over several record batches and pages', async () => {
    const lines: string[] = [];
    for (let i = 0; i < BIG_ROWS; i++) lines.push(`big i=${i}i ${1_600_000_000_000_000_000n + BigInt(i)}`);
    const w = await fetchAnswer(`${upstream.url}/api/v3/write_lp?db=sensors&precision=nanosecond`, { method: 'POST', headers: asUpstream(), body: lines.join('\n') });
    expect(w.status, w.text).to.equal(204);
    await trigger(node.url, {}, 'sum');
    const r = await fetchAnswer(`${node.url}/api/v3/engine/sum`);
    expect(r.json).to.deep.equal({ rows: BIG_ROWS, sum: (BIG_ROWS * (BIG_ROWS - 1)) / 2, ordered: true, types: ['int'] });
  });

  it("answers the node's /api/v3/query_sql from the upstream, except for its own system tables", async () => {
    for (const format of ['json', 'csv', 'jsonl']) {
      const body = { db: 'sensors', q: 'SELECT * FROM m ORDER BY time', format };
      const mine = await sendJson(`${node.url}/api/v3/query_sql`, body);
      const theirs = await fetchAnswer(`${upstream.url}/api/v3/query_sql`, { method: 'POST', headers: { 'content-type': 'application/json', ...asUpstream() }, body: JSON.stringify(body) });
      expect(mine.status, mine.text).to.equal(200);
      expect(mine.text, format).to.equal(theirs.text);
    }
    const sys = await sendJson(`${node.url}/api/v3/query_sql`, { db: 'sensors', q: "SELECT trigger_name FROM system.processing_engine_triggers WHERE trigger_name = 'q'", format: 'json' });
    expect(sys.json).to.deep.equal([{ trigger_name: 'q' }]);
    const bad = await sendJson(`${node.url}/api/v3/query_sql`, { db: 'sensors', q: 'SELECT * FROM no_such_table' });
    expect(bad.status).to.equal(400);
    expect(bad.json.error).to.include('no_such_table');
  });

  it("answers the node's system tables itself, even with the upstream down; other queries fail naming the upstream", async () => {
    await upstream.stop();
    const sys = await run(node, "SELECT trigger_name FROM system.processing_engine_triggers WHERE trigger_name = 'q'");
    expect(sys).to.deep.equal({ rows: [[['trigger_name', 'str', "'q'"]]] });
    const down = await run(node, 'SELECT * FROM m');
    expect(down.error).to.include(`the upstream InfluxDB at ${new URL(upstream.url).origin} cannot be reached`);
    expect(down.error).to.match(/executing query on sensors: SELECT \* FROM m$/);
  });
});
