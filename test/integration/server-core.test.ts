import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { startServer, removeDir, runCli, type ServerHandle } from '../helpers/server-process.js';

async function post(s: ServerHandle, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${s.url}${path}`, { method: 'POST', body: body as BodyInit, headers });
}

async function sql(s: ServerHandle, db: string, q: string, format = 'json'): Promise<Response> {
  return fetch(`${s.url}/api/v3/query_sql?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}&format=${format}`);
}

describe('integration: write and query over HTTP', function () {
  this.timeout(60_000);
  let s: ServerHandle;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s.stop();
    removeDir(s.dataDir);
  });

  it('writes line protocol and reads it back in every format', async () => {
    const w = await post(s, '/api/v3/write_lp?db=foo&precision=ns', 'cpu,host=a,region=west usage=0.5,count=3i,ok=t,msg="hi" 1000000000\ncpu,host=b usage=1.25 2000000000');
    expect(w.status).to.equal(204);
    const json = await sql(s, 'foo', 'SELECT host, region, usage, count, ok, msg, time FROM cpu ORDER BY time');
    expect(json.status).to.equal(200);
    expect(json.headers.get('content-type')).to.match(/application\/json/);
    expect(await json.json()).to.deep.equal([
      { host: 'a', region: 'west', usage: 0.5, count: 3, ok: true, msg: 'hi', time: '1970-01-01T00:00:01' },
      { host: 'b', usage: 1.25, time: '1970-01-01T00:00:02' },
    ]);
    const csv = await sql(s, 'foo', 'SELECT host, usage FROM cpu ORDER BY time', 'csv');
    expect(csv.headers.get('content-type')).to.match(/text\/csv/);
    expect(await csv.text()).to.equal('host,usage\na,0.5\nb,1.25\n');
    const jsonl = await sql(s, 'foo', 'SELECT host FROM cpu ORDER BY time', 'jsonl');
    expect(jsonl.headers.get('content-type')).to.match(/application\/jsonl/);
    expect(await jsonl.text()).to.equal('{"host":"a"}\n{"host":"b"}\n');
    const pretty = await sql(s, 'foo', 'SELECT host FROM cpu ORDER BY time', 'pretty');
    expect(pretty.headers.get('content-type')).to.match(/text\/plain/);
    expect(await pretty.text()).to.contain('| host |').and.to.contain('| a    |');
    const parquet = await sql(s, 'foo', 'SELECT host FROM cpu', 'parquet');
    expect(parquet.headers.get('content-type')).to.equal('application/vnd.apache.parquet');
    const buf = Buffer.from(await parquet.arrayBuffer());
    expect(buf.subarray(0, 4).toString()).to.equal('PAR1');
  });

  it('POST query_sql with params', async () => {
    const r = await post(s, '/api/v3/query_sql', JSON.stringify({ db: 'foo', q: 'SELECT usage FROM cpu WHERE host = $host', params: { host: 'b' } }), { 'content-type': 'application/json' });
    expect(r.status).to.equal(200);
    expect(await r.json()).to.deep.equal([{ usage: 1.25 }]);
  });

  it('reports partial writes with line numbers and the offending line', async () => {
    const r = await post(s, '/api/v3/write_lp?db=foo', 'cpu,host=c usage=2\ncpu,host=d usage=\ncpu,host=e usage="str"');
    expect(r.status).to.equal(400);
    const body = (await r.json()) as { error: string; data: Array<{ line_number: number; original_line: string; error_message: string }> };
    expect(body.error).to.equal('partial write of line protocol occurred');
    expect(body.data.map((d) => d.line_number)).to.deep.equal([2, 3]);
    expect(body.data[0]!.original_line).to.equal('cpu,host=d usage=');
    expect(body.data[1]!.error_message).to.contain('usage').and.to.contain('Float64').and.to.contain('Utf8');
    const q = await (await sql(s, 'foo', "SELECT count(*) AS n FROM cpu WHERE host = 'c'")).json();
    expect(q).to.deep.equal([{ n: 1 }]);
  });

  it('refuses only the line whose timestamp leaves the nanosecond range', async () => {
    const r = await post(s, '/api/v3/write_lp?db=foo&precision=s', 'cpu,host=ok1 usage=1 1\ncpu,host=far usage=1 99999999999\ncpu,host=ok2 usage=1 2');
    expect(r.status).to.equal(400);
    const body = (await r.json()) as { error: string; data: Array<{ line_number: number; error_message: string }> };
    expect(body.error).to.equal('partial write of line protocol occurred');
    expect(body.data.map((d) => d.line_number)).to.deep.equal([2]);
    expect(body.data[0]!.error_message).to.contain('99999999999');
    const q = await (await sql(s, 'foo', "SELECT host FROM cpu WHERE host LIKE 'ok%' ORDER BY host")).json();
    expect(q).to.deep.equal([{ host: 'ok1' }, { host: 'ok2' }]);
  });

  it('refuses the whole batch when accept_partial=false', async () => {
    const r = await post(s, '/api/v3/write_lp?db=foo&accept_partial=false', 'cpu,host=z usage=2\nbad line');
    expect(r.status).to.equal(400);
    expect(((await r.json()) as { error: string }).error).to.equal('line protocol parsing error');
    expect(await (await sql(s, 'foo', "SELECT count(*) AS n FROM cpu WHERE host = 'z'")).json()).to.deep.equal([{ n: 0 }]);
  });

  it('accepts v1 and v2 writes and gzip bodies', async () => {
    expect((await post(s, '/write?db=v1db&precision=s', 'm f=1i 10')).status).to.equal(204);
    expect((await post(s, '/api/v2/write?bucket=v1db&precision=ms', 'm f=2i 20000')).status).to.equal(204);
    expect((await post(s, '/api/v3/write_lp?db=v1db', gzipSync('m f=3i 30'), { 'content-encoding': 'gzip' })).status).to.equal(204);
    const rows = await (await sql(s, 'v1db', 'SELECT f, time FROM m ORDER BY time')).json();
    expect(rows).to.deep.equal([
      { f: 1, time: '1970-01-01T00:00:10' },
      { f: 2, time: '1970-01-01T00:00:20' },
      { f: 3, time: '1970-01-01T00:00:30' },
    ]);
    const v2err = await post(s, '/api/v2/write?bucket=v1db', 'm f=oops');
    expect(v2err.status).to.equal(400);
    const body = (await v2err.json()) as { code: string; message: string };
    expect(body.code).to.equal('invalid');
    expect(body.message).to.be.a('string');
  });

  it('answers bad requests with 4xx and a message, never 500', async () => {
    expect((await post(s, '/api/v3/write_lp', 'm f=1')).status).to.equal(400);
    const badGzip = await post(s, '/api/v3/write_lp?db=foo', Buffer.from('not gzip'), { 'content-encoding': 'gzip' });
    expect(badGzip.status).to.equal(400);
    expect(((await badGzip.json()) as { error: string }).error).to.contain('gzip');
    const big = await post(s, '/api/v3/write_lp?db=foo', Buffer.alloc(11 * 1024 * 1024, 0x61));
    expect(big.status).to.equal(413);
    const wrongType = await post(s, '/api/v3/configure/database', '{"db":"x"}', { 'content-type': 'text/plain' });
    expect(wrongType.status).to.equal(415);
    const badJson = await post(s, '/api/v3/configure/database', '{"db":', { 'content-type': 'application/json' });
    expect(badJson.status).to.equal(400);
    expect(((await badJson.json()) as { error: string }).error).to.contain('invalid JSON');
    const badDb = await post(s, '/api/v3/write_lp?db=_bad', 'm f=1');
    expect(badDb.status).to.equal(400);
    expect(((await badDb.json()) as { error: string }).error).to.contain('did not start with a number or letter');
    const badPrecision = await post(s, '/api/v3/write_lp?db=foo&precision=minutes', 'm f=1');
    expect(badPrecision.status).to.equal(400);
    expect(((await badPrecision.json()) as { error: string }).error).to.contain('minutes');
    const q404 = await sql(s, 'nope', 'SELECT 1');
    expect(q404.status).to.equal(404);
    const qbad = await sql(s, 'foo', 'SELECT * FROM not_here');
    expect(qbad.status).to.equal(400);
    expect(((await qbad.json()) as { error: string }).error).to.contain("table 'public.iox.not_here' not found");
    const unknown = await fetch(`${s.url}/api/v3/nothing`);
    expect(unknown.status).to.equal(404);
    expect(await unknown.text()).to.equal('Not found');
  });

  it('serves health, ping, metrics, OPTIONS and cluster-uuid', async () => {
    const h = await fetch(`${s.url}/health`);
    expect(await h.text()).to.equal('OK');
    expect(h.headers.get('cluster-uuid')).to.match(/^[0-9a-f-]{36}$/);
    const p = (await (await fetch(`${s.url}/ping`)).json()) as { version: string; process_id: string };
    expect(p.version).to.match(/^\d+\.\d+\.\d+/);
    const m = await (await fetch(`${s.url}/metrics`)).text();
    expect(m).to.contain('influxdb3_write_lines_total');
    expect(m).to.contain('influxdb3_wal_fsync_duration_seconds');
    expect(m).to.contain('influxdb3_query_duration_seconds');
    const o = await fetch(`${s.url}/api/v3/write_lp`, { method: 'OPTIONS' });
    expect(o.status).to.equal(204);
    expect(o.headers.get('access-control-allow-origin')).to.equal('*');
  });

  it('manages databases and tables', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await post(s, '/api/v3/configure/database', JSON.stringify({ db: 'mgmt', retention_period: '30d' }), json)).status).to.equal(200);
    const dup = await post(s, '/api/v3/configure/database', JSON.stringify({ db: 'mgmt' }), json);
    expect(dup.status).to.equal(409);
    expect(((await dup.json()) as { error: string }).error).to.equal('attempted to create a resource that already exists');
    const list = await (await fetch(`${s.url}/api/v3/configure/database?format=json`)).json();
    expect(list).to.deep.include({ 'iox::database': 'mgmt' });
    const t = await post(s, '/api/v3/configure/table', JSON.stringify({ db: 'mgmt', table: 'tt', tags: ['host'], fields: [{ name: 'v', type: 'float64' }] }), json);
    expect(t.status).to.equal(200);
    const cols = await (await sql(s, 'mgmt', "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'tt'")).json();
    expect(cols).to.deep.equal([
      { column_name: 'host', data_type: 'Dictionary(Int32, Utf8)' },
      { column_name: 'v', data_type: 'Float64' },
      { column_name: 'time', data_type: 'Timestamp(Nanosecond, None)' },
    ]);
    expect((await fetch(`${s.url}/api/v3/configure/table?db=mgmt&table=tt`, { method: 'DELETE' })).status).to.equal(200);
    expect((await fetch(`${s.url}/api/v3/configure/database?db=mgmt`, { method: 'DELETE' })).status).to.equal(200);
    const after = await (await fetch(`${s.url}/api/v3/configure/database?format=json`)).json();
    expect(after).to.not.deep.include({ 'iox::database': 'mgmt' });
    expect((await sql(s, 'mgmt', 'SELECT 1')).status).to.equal(404);
  });

  it('hides rows older than the retention period', async () => {
    const json = { 'content-type': 'application/json' };
    await post(s, '/api/v3/configure/database', JSON.stringify({ db: 'ret', retention_period: '1h' }), json);
    const nowS = Math.floor(Date.now() / 1000);
    await post(s, '/api/v3/write_lp?db=ret&precision=s', `m v=1 ${nowS - 7200}\nm v=2 ${nowS}`);
    const rows = await (await sql(s, 'ret', 'SELECT v FROM m')).json();
    expect(rows).to.deep.equal([{ v: 2 }]);
  });

  it('CLI: write, query, create and show databases', async () => {
    const common = ['--host', s.url];
    const c = await runCli(['create', 'database', 'clidb', ...common]);
    expect(c.stdout).to.equal('Database "clidb" created successfully\n');
    const w = await runCli(['write', '-d', 'clidb', ...common, 'cpu,host=x usage=9 1']);
    expect(w.code, w.stderr).to.equal(0);
    const stdin = await runCli(['write', '-d', 'clidb', ...common, '--precision', 's'], 'cpu,host=y usage=8 2\n');
    expect(stdin.code, stdin.stderr).to.equal(0);
    const q = await runCli(['query', '-d', 'clidb', ...common, '--format', 'json', 'SELECT host, usage FROM cpu ORDER BY host']);
    expect(JSON.parse(q.stdout)).to.deep.equal([{ host: 'x', usage: 9 }, { host: 'y', usage: 8 }]);
    const pretty = await runCli(['query', '-d', 'clidb', ...common, 'SELECT host FROM cpu ORDER BY host']);
    expect(pretty.stdout).to.contain('| x    |');
    const show = await runCli(['show', 'databases', ...common, '--format', 'json']);
    expect(JSON.parse(show.stdout)).to.deep.include({ 'iox::database': 'clidb' });
    const bad = await runCli(['query', '-d', 'clidb', ...common, 'SELECT * FROM nope']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain("table 'public.iox.nope' not found");
    const tbl = await runCli(['create', 'table', 'mem', '-d', 'clidb', ...common, '--tags', 'host', '--fields', 'used:int64,free:float64']);
    expect(tbl.stdout, tbl.stderr).to.equal('Table "clidb"."mem" created successfully\n');
    const cols = await runCli(['query', '-d', 'clidb', ...common, '--format', 'csv', "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'mem'"]);
    expect(cols.stdout).to.equal('column_name,data_type\nhost,"Dictionary(Int32, Utf8)"\nused,Int64\nfree,Float64\ntime,"Timestamp(Nanosecond, None)"\n');
    const badField = await runCli(['create', 'table', 'mem2', '-d', 'clidb', ...common, '--tags', 'host', '--fields', 'used:int65']);
    expect(badField.code).to.equal(1);
    expect(badField.stderr).to.contain('int65');
    const dropTable = await runCli(['delete', 'table', 'mem', '-d', 'clidb', '-y', ...common]);
    expect(dropTable.stdout).to.equal('Table "clidb"."mem" deleted successfully\n');
    const out = `${s.dataDir}/out.csv`;
    const toFile = await runCli(['query', '-d', 'clidb', ...common, '--format', 'csv', '-o', out, 'SELECT host FROM cpu ORDER BY host']);
    expect(toFile.code, toFile.stderr).to.equal(0);
    expect((await import('node:fs')).readFileSync(out, 'utf8')).to.equal('host\nx\ny\n');
    const noDb = await runCli(['query', ...common, 'SELECT 1']);
    expect(noDb.code).to.equal(1);
    expect(noDb.stderr).to.contain('--database');
    const del = await runCli(['delete', 'database', 'clidb', '-y', ...common]);
    expect(del.stdout).to.equal('Database "clidb" deleted successfully\n');
  });

  it('keeps acknowledged data across a restart', async () => {
    await post(s, '/api/v3/write_lp?db=durable', 'm,host=a v=1i 1\nm,host=b v=2i 2');
    await s.stop();
    s = await startServer({ dataDir: s.dataDir });
    const rows = await (await sql(s, 'durable', 'SELECT host, v FROM m ORDER BY host')).json();
    expect(rows).to.deep.equal([{ host: 'a', v: 1 }, { host: 'b', v: 2 }]);
    const killed = await post(s, '/api/v3/write_lp?db=durable', 'm,host=c v=3i 3');
    expect(killed.status).to.equal(204);
    await s.kill();
    s = await startServer({ dataDir: s.dataDir });
    const after = await (await sql(s, 'durable', 'SELECT host FROM m ORDER BY host')).json();
    expect(after).to.deep.equal([{ host: 'a' }, { host: 'b' }, { host: 'c' }]);
  });
});
