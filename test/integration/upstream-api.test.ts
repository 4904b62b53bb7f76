import { expect } from 'chai';
import { unpack } from 'msgpackr';
import { runCli, startServer, type ServerHandle } from '../helpers/server-process.js';
import { fetchAnswer, sendJson, type HttpAnswer } from '../helpers/http.js';

// The parts of upstream's HTTP API a migrating client meets first: health and ping, CORS, write edge cases,
// retention and table configuration, and every encoding and body form of the 1.x /query API.
describe('integration: upstream HTTP API details', function () {
  this.timeout(60_000);
  let s: ServerHandle;
  const get = (path: string, init: RequestInit = {}): Promise<HttpAnswer> => fetchAnswer(`${s.url}${path}`, init);
  const post = (path: string, body: string | FormData, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
    fetchAnswer(`${s.url}${path}`, { method: 'POST', headers, body });
  const databases = async (): Promise<string[]> => (await get('/api/v3/configure/database?format=json')).json.map((d: Record<string, string>) => d['iox::database']);

  before(async () => {
    s = await startServer();
    const w = await post('/api/v3/write_lp?db=v1db&precision=second', 'cpu,host=a usage=1 1700000000\ncpu,host=a usage=2 1700000010\ncpu,host=a usage=3 1700000020\ncpu,host=b usage=4 1700000000');
    expect(w.status, w.text).to.equal(204);
  });
  after(async () => {
    await s?.stop();
  });

  it('answers /health and /api/v1/health with OK, and /ping with upstream body and headers', async () => {
    for (const path of ['/health', '/api/v1/health']) expect(await get(path)).to.deep.include({ status: 200, text: 'OK' });
    const ping = await get('/ping');
    expect(ping.status).to.equal(200);
    expect(Object.keys(ping.json)).to.deep.equal(['product_name', 'version', 'revision', 'process_id']);
    expect(ping.json.product_name).to.equal('InfluxDB 3 Core');
    // The commit the server was built from, as `influxdb3 --version` prints it.
    expect(ping.json.revision).to.match(/^[0-9a-f]{40}$/);
    expect(ping.json.process_id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ping.text.endsWith('}\n')).to.equal(true);
    expect(ping.headers.get('x-influxdb-version')).to.equal(ping.json.version);
    expect(ping.headers.get('x-influxdb-build')).to.equal('Core');
    expect(ping.headers.get('request-id')).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(ping.headers.get('x-request-id')).to.equal(ping.headers.get('request-id'));
    const again = await get('/ping', { method: 'POST' });
    expect(again.json.process_id, 'one id per process').to.equal(ping.json.process_id);
    expect(again.headers.get('request-id')).to.not.equal(ping.headers.get('request-id'));
  });

  it('sends Access-Control-Allow-Origin: * on successes, errors and unknown paths', async () => {
    for (const r of [await get('/health'), await get('/api/v3/query_sql?db=nope&q=SELECT+1'), await get('/no/such/path')]) {
      expect(r.headers.get('access-control-allow-origin'), `${r.status}`).to.equal('*');
    }
  });

  it('refuses an empty write with 400 "incoming write was empty" and creates no database', async () => {
    for (const body of ['', '\n\n', '# only a comment\n']) {
      const r = await post('/api/v3/write_lp?db=emptydb', body);
      expect([r.status, r.json], JSON.stringify(body)).to.deep.equal([400, { error: 'incoming write was empty' }]);
    }
    expect((await post('/write?db=emptydb', '')).json).to.deep.equal({ error: 'incoming write was empty' });
    expect(await databases()).to.not.include('emptydb');
  });

  it('gives `data` as one object without accept_partial, as an array with it', async () => {
    const strict = await post('/api/v3/write_lp?db=v1db&accept_partial=false', 'cpu,host=c usage=1\ncpu,host=c usage=\ncpu usage="x"');
    expect(strict.status).to.equal(400);
    expect(strict.json).to.deep.equal({
      error: 'line protocol parsing error',
      data: { original_line: 'cpu,host=c usage=', line_number: 2, error_message: strict.json.data.error_message },
    });
    const partial = await post('/api/v3/write_lp?db=v1db', 'cpu,host=c usage=1\ncpu,host=c usage=');
    expect(partial.json.data).to.be.an('array').with.length(1);
    const cli = await runCli(['write', '-H', s.url, '-d', 'v1db', '--no-accept-partial', 'cpu,host=c usage=1\ncpu,host=c usage=']);
    expect(cli.code).to.equal(1);
    expect(cli.stderr, 'the CLI names the line either way').to.include('\n  line 2: ').and.to.include('(cpu,host=c usage=)');
  });

  it('writes `rp=` to the database db/rp, and autogen to db itself', async () => {
    expect((await post('/write?db=rpdb&rp=autogen&precision=s', 'm v=1 1700000000')).status).to.equal(204);
    expect((await post('/write?db=rpdb&rp=week&precision=s', 'm v=2 1700000000')).status).to.equal(204);
    expect(await databases()).to.include.members(['rpdb', 'rpdb/week']);
    const q = await get(`/api/v3/query_sql?db=${encodeURIComponent('rpdb/week')}&q=${encodeURIComponent('SELECT v FROM m')}`);
    expect(q.json).to.deep.equal([{ v: 2.0 }]);
    const influxql = async (from: string): Promise<unknown> =>
      (await get(`/query?q=${encodeURIComponent(`SELECT v FROM ${from}`)}&epoch=s`)).json.results[0].series[0].values;
    expect(await influxql('rpdb.week.m'), 'InfluxQL names it db.rp.m').to.deep.equal([[1700000000, 2]]);
    expect(await influxql('rpdb.autogen.m')).to.deep.equal([[1700000000, 1]]);
  });

  it('sets and clears a retention period with POST|DELETE /api/v3/configure/database/retention_period', async () => {
    const retention = async (): Promise<unknown> => {
      const r = await get(`/api/v3/query_sql?db=_internal&format=json&q=${encodeURIComponent("SELECT retention_period_ns FROM system.databases WHERE database_name = 'retdb'")}`);
      expect(r.json, r.text).to.have.length(1);
      return r.json[0].retention_period_ns ?? null;
    };
    // A database of its own: the retention sweep would delete the other tests' 2023 points.
    expect((await sendJson(`${s.url}/api/v3/configure/database`, { db: 'retdb' })).status).to.equal(200);
    const set = await post('/api/v3/configure/database/retention_period?db=retdb&duration=7d', '');
    expect([set.status, set.text]).to.deep.equal([204, '']);
    expect(String(await retention())).to.equal(String(7n * 86_400_000_000_000n));
    const cleared = await get('/api/v3/configure/database/retention_period?db=retdb', { method: 'DELETE' });
    expect(cleared.status).to.equal(204);
    expect(await retention()).to.equal(null);
    const bad = await post('/api/v3/configure/database/retention_period?db=retdb&duration=soon', '');
    expect(bad.status).to.equal(400);
    expect(bad.json.error).to.include("'soon'");
    expect((await post('/api/v3/configure/database/retention_period?db=nope&duration=1d', '')).status).to.equal(404);
  });

  it('creates the database with `create table` when it is missing', async () => {
    const r = await sendJson(`${s.url}/api/v3/configure/table`, { db: 'newdb', table: 't', tags: ['a'], fields: [{ name: 'f', type: 'float64' }] });
    expect(r.status, r.text).to.equal(200);
    expect(await databases()).to.include('newdb');
    const bad = await sendJson(`${s.url}/api/v3/configure/table`, { db: 'otherdb', table: 't', tags: 'a' });
    expect(bad.status).to.equal(400);
    expect(await databases(), 'a refused request creates nothing').to.not.include('otherdb');
  });

  it('reads a POST query body as JSON whatever its Content-Type, and ends JSON and pretty bodies with a newline', async () => {
    const body = JSON.stringify({ db: 'v1db', q: "SELECT usage FROM cpu WHERE host = 'b'" });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', '']) {
      const r = await post('/api/v3/query_sql', body, type ? { 'content-type': type } : {});
      expect([r.status, r.text], type).to.deep.equal([200, '[{"usage":4.0}]\n']);
    }
    const influxql = await post('/api/v3/query_influxql', JSON.stringify({ db: 'v1db', q: 'SHOW MEASUREMENTS', format: 'jsonl' }), { 'content-type': 'text/plain' });
    expect(influxql.text).to.equal('{"iox::measurement":"measurements","name":"cpu"}\n');
    const pretty = await get(`/api/v3/query_sql?db=v1db&format=pretty&q=${encodeURIComponent("SELECT usage FROM cpu WHERE host = 'b'")}`);
    expect(pretty.text).to.equal('+-------+\n| usage |\n+-------+\n| 4.0   |\n+-------+\n');
    expect((await get('/api/v3/query_sql?db=nope&q=SELECT+1')).text).to.match(/^\{"error":.*\}\n$/);
  });
});
