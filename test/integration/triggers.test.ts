import { expect } from 'chai';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { buildTestVenv, runnerPids } from '../fixtures/plugins/plugin-server.js';
import { pollFor } from '../helpers/poll.js';
import { runCli, startServer, type ServerHandle } from '../helpers/server-process.js';
import { fetchAnswer, sendJson, type HttpAnswer } from '../helpers/http.js';

// Request, WAL and schedule triggers and their rules (docs/processing-engine.md), through the real server
// (bin/influxdb3 serve), real CPython runners and the CLI. Plugins: test/fixtures/plugins/triggers/.
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'plugins', 'triggers');
const CREATE_PATH = '/api/v3/configure/processing_engine_trigger';

// A temporary root holding a copy of the trigger fixtures (plugins/) and a prebuilt venv shared by the block's servers.
interface PluginRoot {
  root: string;
  pluginDir: string;
  serverArgs: string[];
}

async function makePluginRoot(): Promise<PluginRoot> {
  const root = mkdtempSync(join(tmpdir(), 'influxdb3-triggers-'));
  const pluginDir = join(root, 'plugins');
  cpSync(FIXTURES, pluginDir, { recursive: true });
  const venv = await buildTestVenv(join(root, 'venv'));
  // The root is writable in the sandbox (marker files); the plugin dir and venv inside it stay read-only.
  return { root, pluginDir, serverArgs: ['--plugin-dir', pluginDir, '--virtual-env-location', venv, '--plugin-writable-paths', root] };
}

// A suite's after hook: stops its server, then removes the server's data directory (or `dataDir`) and the plugin root.
async function stopAndRemove(server: ServerHandle | undefined, p: PluginRoot | undefined, dataDir = server?.dataDir): Promise<void> {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (p) rmSync(p.root, { recursive: true, force: true });
}

const request = fetchAnswer;

async function createDatabase(base: string, db: string): Promise<void> {
  const r = await sendJson(`${base}/api/v3/configure/database`, { db });
  expect(r.status, r.text).to.equal(200);
}

// POST /api/v3/configure/processing_engine_trigger with upstream's body.
function createTrigger(
  base: string,
  t: { db: string; name: string; plugin: string; spec: string; args?: Record<string, string> | null; disabled?: boolean; runAsync?: boolean },
): Promise<HttpAnswer> {
  return sendJson(`${base}${CREATE_PATH}`, {
    db: t.db,
    plugin_filename: t.plugin,
    trigger_name: t.name,
    trigger_specification: t.spec,
    trigger_settings: { run_async: t.runAsync ?? false, error_behavior: 'log' },
    trigger_arguments: t.args ?? null,
    disabled: t.disabled ?? false,
  });
}

async function mustCreateTrigger(base: string, t: Parameters<typeof createTrigger>[1]): Promise<void> {
  const r = await createTrigger(base, t);
  expect(r.status, r.text).to.equal(200);
  expect(r.text).to.equal('');
}

async function writeLp(base: string, db: string, lp: string): Promise<void> {
  const r = await request(`${base}/api/v3/write_lp?db=${encodeURIComponent(db)}&precision=ns`, { method: 'POST', body: lp });
  expect(r.status, r.text).to.equal(204);
}

async function query(base: string, db: string, q: string): Promise<any[]> {
  const r = await sendJson(`${base}/api/v3/query_sql`, { db, q });
  if (r.status !== 200) throw new Error(`query answered ${r.status}: ${r.text}`);
  return r.json;
}


async function cli(url: string, args: string[]) {
  return runCli([...args.slice(0, 2), '-H', url, ...args.slice(2)]);
}

describe('integration: request triggers (GET|POST /api/v3/engine/<path>)', function () {
  this.timeout(30_000);
  let p: PluginRoot;
  let server: ServerHandle;
  let url: string;

  before(async () => {
    p = await makePluginRoot();
    server = await startServer({ args: [...p.serverArgs, '--max-http-request-size', '1000000'] });
    url = server.url;
    await createDatabase(url, 'foo');
    await createDatabase(url, 'other');
    await mustCreateTrigger(url, { db: 'foo', name: 'forms', plugin: 'request_forms.py', spec: 'request:test_route' });
  });
  after(() => stopAndRemove(server, p));

  it('request:bar with arguments, a JSON body, a write-back queryable at once, and hot reload', async () => {
    // Through the CLI, as upstream's test does.
    const created = await cli(url, [
      'create', 'trigger', '-d', 'foo', '--trigger-spec', 'request:bar', '--path', 'request_bar.py', '--trigger-arguments', 'test_arg=hello', 'bar_trigger',
    ]);
    expect(created.code, created.stderr).to.equal(0);
    expect(created.stdout).to.equal('Trigger bar_trigger created successfully\n');

    const r = await request(`${url}/api/v3/engine/bar?q1=whatevs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(r.status, r.text).to.equal(200);
    expect(r.headers.get('content-type')).to.equal('application/json');
    expect(r.json).to.deep.equal({ status: 'ok', line: 'request_data,tag1=tag1_value field1=1i' });
    expect(await query(url, 'foo', 'SELECT tag1, field1 FROM request_data')).to.deep.equal([{ tag1: 'tag1_value', field1: 1 }]);

    writeFileSync(
      join(p.pluginDir, 'request_bar.py'),
      'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return {"status": "updated"}\n',
    );
    const updated = await pollFor(() => request(`${url}/api/v3/engine/bar?q1=whatevs`, { method: 'POST', body: '{}' }), (a) => a.json?.status === 'updated', { timeoutMs: 1_000, ignoreErrors: true });
    expect(updated?.status, updated?.text).to.equal(200);
    expect(updated?.json).to.deep.equal({ status: 'updated' });
  });

  describe('return forms', () => {
    const get = (form: string) => request(`${url}/api/v3/engine/test_route?form=${form}`);

    it('str → 200 text/html', async () => {
      const r = await get('str');
      expect([r.status, r.headers.get('content-type'), r.text]).to.deep.equal([200, 'text/html', 'Hello, World!']);
    });

    it('dict → 200 application/json', async () => {
      const r = await get('dict');
      expect([r.status, r.headers.get('content-type')]).to.deep.equal([200, 'application/json']);
      expect(r.json).to.deep.equal({ message: 'Hello, World!', n: 1 });
    });

    it('(str, 201) → 201 text/html', async () => {
      const r = await get('created');
      expect([r.status, r.headers.get('content-type'), r.text]).to.deep.equal([201, 'text/html', 'Created successfully']);
    });

    it('(str, headers) → 200 with the Content-Type override and the custom header', async () => {
      const r = await get('headers');
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('text/plain');
      expect(r.headers.get('x-custom-header')).to.equal('test-value');
      expect(r.text).to.equal('Custom headers');
    });

    it('(str, 404, headers) → 404 with the headers', async () => {
      const r = await get('notfound');
      expect([r.status, r.headers.get('content-type'), r.headers.get('x-reason'), r.text]).to.deep.equal([404, 'text/html', 'missing', 'Not Found']);
    });

    it('list → JSON array', async () => {
      const r = await get('list');
      expect([r.status, r.headers.get('content-type')]).to.deep.equal([200, 'application/json']);
      expect(r.json).to.deep.equal([1, 'two', { three: 3 }]);
    });

    it('generator of str → the concatenated text, text/html; str and UTF-8 bytes items mix', async () => {
      const r = await get('generator');
      expect([r.status, r.headers.get('content-type'), r.text]).to.deep.equal([200, 'text/html', 'Line 1\nLine 2\nLine 3\n']);
      const mixed = await get('mixed_iterable');
      expect([mixed.status, mixed.text]).to.deep.equal([200, 'text bytes']);
    });

    it('duck-typed Flask object → its status, headers and body', async () => {
      const r = await get('flask');
      expect(r.status).to.equal(202);
      expect(r.headers.get('content-type')).to.equal('text/custom');
      expect(r.headers.get('x-generated-by')).to.equal('FlaskResponse');
      expect(r.text).to.equal('flask body');
    });

    it('(dict, 404) → 404 JSON', async () => {
      const r = await get('json_error');
      expect([r.status, r.headers.get('content-type')]).to.deep.equal([404, 'application/json']);
      expect(r.json).to.deep.equal({ error: 'Not Found', code: 404 });
    });

    it('1-tuple, non-str body (text/plain) and an out-of-range status (500)', async () => {
      const one = await get('one_tuple');
      expect([one.status, one.headers.get('content-type'), one.text]).to.deep.equal([200, 'text/html', 'only a body']);
      const num = await get('number_body');
      expect([num.status, num.headers.get('content-type'), num.text]).to.deep.equal([200, 'text/plain', '42']);
      const big = await get('bad_status');
      expect(big.status).to.equal(500);
    });

    it('plain bytes → 200 with an empty body (iterated as ints, as upstream)', async () => {
      const r = await get('bytes');
      expect([r.status, r.text]).to.deep.equal([200, '']);
    });

    it('None, a non-dict header item and a raised exception → 500 with a JSON error', async () => {
      const none = await get('none');
      expect(none.status).to.equal(500);
      expect(none.json.error).to.include('Unsupported return type from Python function');
      const header = await get('bad_header_item');
      expect(header.status).to.equal(500);
      expect(header.json.error).to.include('expected a dictionary in header item');
      const raised = await get('raise');
      expect(raised.status).to.equal(500);
      expect(raised.json).to.deep.equal({ error: 'Python function call failed: ValueError: boom' });
    });
  });

  it('the Authorization header never reaches the plugin', async () => {
    await mustCreateTrigger(url, { db: 'foo', name: 'noauth', plugin: 'request_no_auth.py', spec: 'request:noauth' });
    const r = await request(`${url}/api/v3/engine/noauth`, { headers: { Authorization: 'Bearer x', 'X-Other': 'kept' } });
    expect(r.status, r.text).to.equal(200);
    expect(r.json).to.deep.equal({ status: 'ok' });
  });

  it('plugin inputs: decoded query parameters, lower-case header names, the body as bytes, a path with a slash', async () => {
    await mustCreateTrigger(url, { db: 'foo', name: 'inputs', plugin: 'request_inputs.py', spec: 'request:a/b', args: {} });
    const r = await request(`${url}/api/v3/engine/a/b?x=1&x=2&msg=hello+big%20world&e=%C3%A9`, {
      method: 'POST',
      headers: { 'X-Mixed-Case': 'Value', 'content-type': 'text/plain' },
      body: 'raw body é',
    });
    expect(r.status, r.text).to.equal(200);
    expect(r.json).to.deep.equal({
      query: { x: '2', msg: 'hello big world', e: 'é' },
      x_headers: { 'x-mixed-case': 'Value' },
      lower_case_names: true,
      body_type: 'bytes',
      body: 'raw body é',
      args: {},
    });
    const gz = await request(`${url}/api/v3/engine/a/b`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: gzipSync('zipped body') });
    expect([gz.status, gz.json?.body]).to.deep.equal([200, 'zipped body']);
    const big = await request(`${url}/api/v3/engine/a/b`, { method: 'POST', body: 'x'.repeat(1_500_000) });
    expect(big.status).to.equal(413);
  });

  it('a disabled request trigger answers 404 until enabled; deleting it frees its path for another database', async () => {
    await mustCreateTrigger(url, { db: 'foo', name: 'toggled', plugin: 'request_echo.py', spec: 'request:toggled' });
    expect((await request(`${url}/api/v3/engine/toggled`)).status).to.equal(200);
    const off = await request(`${url}${CREATE_PATH}/disable?db=foo&trigger_name=toggled`, { method: 'POST' });
    expect([off.status, off.text]).to.deep.equal([200, '']);
    const disabled = await request(`${url}/api/v3/engine/toggled`);
    expect(disabled.status).to.equal(404);
    expect(disabled.json.error).to.be.a('string');
    const on = await request(`${url}${CREATE_PATH}/enable?db=foo&trigger_name=toggled`, { method: 'POST' });
    expect([on.status, on.text]).to.deep.equal([200, '']);
    expect((await request(`${url}/api/v3/engine/toggled?n=1`)).json).to.deep.equal({ echo: { n: '1' }, args: null });
    const unknown = await request(`${url}${CREATE_PATH}/enable?db=foo&trigger_name=nobody`, { method: 'POST' });
    expect(unknown.status).to.equal(404);

    const del = await request(`${url}${CREATE_PATH}?db=foo&trigger_name=toggled&force=true`, { method: 'DELETE' });
    expect([del.status, del.text]).to.deep.equal([200, '']);
    expect((await request(`${url}/api/v3/engine/toggled`)).status).to.equal(404);
    await mustCreateTrigger(url, { db: 'other', name: 'toggled', plugin: 'request_echo.py', spec: 'request:toggled', args: { db: 'other' } });
    expect((await request(`${url}/api/v3/engine/toggled`)).json).to.deep.equal({ echo: {}, args: { db: 'other' } });
  });

  it('a plugin with a syntax error answers 500 with the Python error; fixing the file makes the next calls work', async () => {
    const file = join(p.pluginDir, 'request_broken.py');
    writeFileSync(file, 'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None)\n    return "x"\n');
    await mustCreateTrigger(url, { db: 'foo', name: 'broken', plugin: 'request_broken.py', spec: 'request:broken' });
    const r = await request(`${url}/api/v3/engine/broken`, { signal: AbortSignal.timeout(10_000) });
    expect(r.status, r.text).to.equal(500);
    expect(r.json?.error, r.text).to.include('SyntaxError');
    writeFileSync(file, 'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return "fixed"\n');
    const fixed = await pollFor(() => request(`${url}/api/v3/engine/broken`, { signal: AbortSignal.timeout(10_000) }), (a) => a.status === 200, { timeoutMs: 5_000, ignoreErrors: true });
    expect([fixed?.status, fixed?.text]).to.deep.equal([200, 'fixed']);
  });

  it('an unknown request path → 404 with valid JSON (GET and POST)', async () => {
    for (const method of ['GET', 'POST']) {
      const r = await request(`${url}/api/v3/engine/no/such/path`, { method });
      expect(r.status).to.equal(404);
      expect(r.json, r.text).to.be.an('object');
      expect(r.json.error).to.be.a('string');
    }
  });

  it('a trigger name taken in the database → 409', async () => {
    const r = await createTrigger(url, { db: 'foo', name: 'forms', plugin: 'request_echo.py', spec: 'request:another_path' });
    expect(r.status).to.equal(409);
    expect(r.json.error).to.equal('attempted to create a resource that already exists');
    // Names are unique per database only.
    await mustCreateTrigger(url, { db: 'other', name: 'forms', plugin: 'request_echo.py', spec: 'request:forms_other' });
    expect((await request(`${url}/api/v3/engine/forms_other`)).json).to.deep.equal({ echo: {}, args: null });
  });

  it('a request path already served by a trigger of another database → 409', async () => {
    const r = await createTrigger(url, { db: 'other', name: 'stealer', plugin: 'request_echo.py', spec: 'request:test_route' });
    expect(r.status).to.equal(409);
    expect(r.json.error).to.include('test_route');
    // The path still belongs to the first trigger.
    expect((await request(`${url}/api/v3/engine/test_route?form=str`)).text).to.equal('Hello, World!');
  });

  it('a missing plugin file → error containing `Plugin not found` (HTTP and CLI)', async () => {
    const r = await createTrigger(url, { db: 'foo', name: 'ghost', plugin: 'does_not_exist.py', spec: 'request:ghost' });
    expect(r.status).to.equal(500);
    expect(r.json.error).to.include('Plugin not found');
    const c = await cli(url, ['create', 'trigger', '-d', 'foo', '--trigger-spec', 'request:ghost', '--path', 'does_not_exist.py', 'ghost']);
    expect(c.code).to.not.equal(0);
    expect(c.stderr).to.include('Plugin not found');
    // Nothing was stored: the path is free.
    expect((await request(`${url}/api/v3/engine/ghost`)).status).to.equal(404);
  });

  it('a missing database → 404', async () => {
    const r = await createTrigger(url, { db: 'no_such_db', name: 't', plugin: 'request_echo.py', spec: 'request:nodb' });
    expect(r.status, r.text).to.equal(404);
  });

  it('a bad trigger spec → 500 with the parse message', async () => {
    const r = await createTrigger(url, { db: 'foo', name: 'bad', plugin: 'request_echo.py', spec: 'bogus:thing' });
    expect(r.status).to.equal(500);
    expect(r.json.error).to.include('failed to parse trigger from bogus:thing').and.include("expect one of the following forms: 'table:<TABLE_NAME>'");
    const cron = await createTrigger(url, { db: 'foo', name: 'bad', plugin: 'schedule_noop.py', spec: 'cron:not a cron' });
    expect(cron.status).to.equal(500);
    expect(cron.json.error).to.include('failed to parse trigger from cron:not a cron');
  });

  it('two request triggers run concurrently: one answers while the other is busy', async () => {
    const marker = join(p.root, 'gate.marker');
    const release = join(p.root, 'gate.release');
    await mustCreateTrigger(url, { db: 'foo', name: 'gate', plugin: 'request_gate.py', spec: 'request:gate', args: { marker, release } });
    await mustCreateTrigger(url, { db: 'foo', name: 'echo', plugin: 'request_echo.py', spec: 'request:echo' });
    // Both runners up before the real check.
    expect((await request(`${url}/api/v3/engine/gate`)).json).to.deep.equal({ held: false });
    expect((await request(`${url}/api/v3/engine/echo?a=1`)).json).to.deep.equal({ echo: { a: '1' }, args: null });

    let settled = false;
    const held = request(`${url}/api/v3/engine/gate?hold=1`).finally(() => (settled = true));
    try {
      expect(await pollFor(async () => existsSync(marker), (v) => v, { timeoutMs: 5_000, ignoreErrors: true }), 'the gate plugin never started').to.equal(true);
      const echo = await request(`${url}/api/v3/engine/echo?b=2`);
      expect(echo.status).to.equal(200);
      expect(echo.json).to.deep.equal({ echo: { b: '2' }, args: null });
      expect(settled, 'the gate request ended before it was released').to.equal(false);
    } finally {
      writeFileSync(release, 'go');
    }
    const r = await held;
    expect([r.status, r.json]).to.deep.equal([200, { held: true, released: true }]);
  });

  it('a --run-asynchronous request trigger answers a second call while its first one is busy', async () => {
    const marker = join(p.root, 'gate3.marker');
    const release = join(p.root, 'gate3.release');
    const c = await cli(url, [
      'create', 'trigger', '-d', 'foo', '--trigger-spec', 'request:gate3', '--path', 'request_gate.py', '--run-asynchronous',
      '--trigger-arguments', `marker=${marker},release=${release}`, 'gate3',
    ]);
    expect(c.code, c.stderr).to.equal(0);
    let settled = false;
    const held = request(`${url}/api/v3/engine/gate3?hold=1`).finally(() => (settled = true));
    try {
      expect(await pollFor(async () => existsSync(marker), (v) => v, { timeoutMs: 10_000, ignoreErrors: true }), 'the gate plugin never started').to.equal(true);
      const second = await request(`${url}/api/v3/engine/gate3`, { signal: AbortSignal.timeout(8_000) });
      expect([second.status, second.json]).to.deep.equal([200, { held: false }]);
      expect(settled, 'the first call ended before it was released').to.equal(false);
    } finally {
      writeFileSync(release, 'go');
    }
    expect((await held).json).to.deep.equal({ held: true, released: true });
  });

  it('disabling a request trigger during a call answers that request with an error; the path then answers 404', async () => {
    const marker = join(p.root, 'gate2.marker');
    const release = join(p.root, 'gate2.release');
    await mustCreateTrigger(url, { db: 'foo', name: 'gate2', plugin: 'request_gate.py', spec: 'request:gate2', args: { marker, release } });
    const held = request(`${url}/api/v3/engine/gate2?hold=1`);
    try {
      expect(await pollFor(async () => existsSync(marker), (v) => v, { timeoutMs: 5_000, ignoreErrors: true }), 'the gate plugin never started').to.equal(true);
      const off = await request(`${url}${CREATE_PATH}/disable?db=foo&trigger_name=gate2`, { method: 'POST' });
      expect([off.status, off.text]).to.deep.equal([200, '']);
      const r = await held;
      expect(r.status, r.text).to.be.within(500, 599);
      expect(r.json?.error, r.text).to.be.a('string');
      expect((await request(`${url}/api/v3/engine/gate2`)).status).to.equal(404);
    } finally {
      writeFileSync(release, 'go');
      await held.catch(() => undefined);
    }
  });

  it('a request plugin can call another request trigger of the same server (urllib)', async () => {
    await mustCreateTrigger(url, { db: 'foo', name: 'echo2', plugin: 'request_echo.py', spec: 'request:echo2', args: { who: 'inner' } });
    await mustCreateTrigger(url, { db: 'foo', name: 'proxy', plugin: 'request_proxy.py', spec: 'request:proxy', args: { url, target: 'echo2' } });
    const r = await request(`${url}/api/v3/engine/proxy`);
    expect(r.status, r.text).to.equal(200);
    expect(r.json).to.deep.equal({ proxied_status: 200, inner: { echo: { via: 'proxy' }, args: { who: 'inner' } } });
  });
});

describe('integration: WAL triggers and trigger lifecycle through the CLI', function () {
  this.timeout(30_000);
  let p: PluginRoot;
  let server: ServerHandle;
  let url: string;

  before(async () => {
    p = await makePluginRoot();
    server = await startServer({ args: [...p.serverArgs, '--wal-flush-interval', '200ms'] });
    url = server.url;
  });
  after(() => stopAndRemove(server, p));

  it('an all_tables trigger with the write-reports plugin reports every table of the flush', async () => {
    await createDatabase(url, 'foo');
    const c = await cli(url, [
      'create', 'trigger', '-d', 'foo', '--path', 'wal_write_reports.py', '--trigger-spec', 'all_tables', '--trigger-arguments', 'double_count_table=cpu', 'test_trigger',
    ]);
    expect(c.code, c.stderr).to.equal(0);
    expect(c.stdout).to.equal('Trigger test_trigger created successfully\n');
    await writeLp(url, 'foo', 'cpu,host=a f1=1.0\ncpu,host=b f1=2.0\nmem,host=a usage=234');
    const expected = [{ table_name: 'cpu', row_count: 4 }, { table_name: 'mem', row_count: 1 }];
    const rows = await pollFor(() => query(url, 'foo', 'SELECT table_name, row_count FROM write_reports ORDER BY table_name'), (r) => r.length >= 2, { timeoutMs: 10_000, ignoreErrors: true });
    expect(rows).to.deep.equal(expected);
  });

  it('delete needs --force while enabled; enable and disable print their lines', async () => {
    const del = await cli(url, ['delete', 'trigger', '-d', 'foo', 'test_trigger']);
    expect(del.code).to.not.equal(0);
    expect(del.stderr).to.include('Cannot delete running plugin test_trigger. Disable it first or use --force.');

    const enable = await cli(url, ['enable', 'trigger', '-d', 'foo', 'test_trigger']);
    expect(enable.code, enable.stderr).to.equal(0);
    expect(enable.stdout).to.equal('Trigger test_trigger enabled successfully\n');
    const disable = await cli(url, ['disable', 'trigger', '-d', 'foo', 'test_trigger']);
    expect(disable.code, disable.stderr).to.equal(0);
    expect(disable.stdout).to.equal('Trigger test_trigger disabled successfully\n');
    const again = await cli(url, ['disable', 'trigger', '-d', 'foo', 'test_trigger']);
    expect([again.code, again.stdout]).to.deep.equal([0, 'Trigger test_trigger disabled successfully\n']);

    // Enabled again, it handles new writes.
    expect((await cli(url, ['enable', 'trigger', '-d', 'foo', 'test_trigger'])).code).to.equal(0);
    await writeLp(url, 'foo', 'disk,host=a used=1i');
    const disk = await pollFor(() => query(url, 'foo', "SELECT row_count FROM write_reports WHERE table_name = 'disk'"), (r) => r.length >= 1, { timeoutMs: 10_000, ignoreErrors: true });
    expect(disk).to.deep.equal([{ row_count: 1 }]);
    const forced = await cli(url, ['delete', 'trigger', '-d', 'foo', '--force', 'test_trigger']);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(forced.stdout).to.equal('Trigger test_trigger deleted successfully\n');

    const gone = await request(`${url}${CREATE_PATH}?db=foo&trigger_name=test_trigger`, { method: 'DELETE' });
    expect(gone.status).to.equal(404);
    expect(gone.json.error).to.equal('the requested resource was not found: test_trigger');
    const unknown = await cli(url, ['enable', 'trigger', '-d', 'foo', 'test_trigger']);
    expect(unknown.code).to.not.equal(0);
  });

  it('a disabled trigger is deleted without --force', async () => {
    const c = await cli(url, ['create', 'trigger', '-d', 'foo', '--path', 'wal_write_reports.py', '--trigger-spec', 'table:cpu', '--disabled', 'idle']);
    expect(c.code, c.stderr).to.equal(0);
    const del = await cli(url, ['delete', 'trigger', '-d', 'foo', 'idle']);
    expect(del.code, del.stderr).to.equal(0);
    expect(del.stdout).to.equal('Trigger idle deleted successfully\n');
  });

  it('a soft-deleted database takes its request route with it; the path can be reused elsewhere', async () => {
    await createDatabase(url, 'doomed_db');
    await mustCreateTrigger(url, { db: 'doomed_db', name: 'route', plugin: 'request_echo.py', spec: 'request:doomed_route' });
    expect((await request(`${url}/api/v3/engine/doomed_route`)).status).to.equal(200);
    const del = await request(`${url}/api/v3/configure/database?db=doomed_db&hard_delete_at=never`, { method: 'DELETE' });
    expect(del.status, del.text).to.equal(200);
    const after = await request(`${url}/api/v3/engine/doomed_route`);
    expect(after.status).to.equal(404);
    expect(after.json?.error, after.text).to.be.a('string');
    await createDatabase(url, 'heir_db');
    await mustCreateTrigger(url, { db: 'heir_db', name: 'route', plugin: 'request_echo.py', spec: 'request:doomed_route', args: { heir: 'yes' } });
    expect((await request(`${url}/api/v3/engine/doomed_route`)).json).to.deep.equal({ echo: {}, args: { heir: 'yes' } });
  });

  it('table:cpu is not called for a flush that only touched mem (deviation), and gets only cpu rows otherwise', async () => {
    await createDatabase(url, 'tbl');
    await createDatabase(url, 'tbl_out');
    const args = (name: string) => ({ name, out_db: 'tbl_out' });
    await mustCreateTrigger(url, { db: 'tbl', name: 'observer', plugin: 'wal_record_calls.py', spec: 'all_tables', args: args('observer') });
    await mustCreateTrigger(url, { db: 'tbl', name: 'cpu_only', plugin: 'wal_record_calls.py', spec: 'table:cpu', args: args('cpu_only') });
    const calls = (trigger: string) => query(url, 'tbl_out', `SELECT tables, "rows" FROM calls WHERE "trigger" = '${trigger}' ORDER BY time`);

    // A flush with only mem rows: the all_tables observer sees it.
    await writeLp(url, 'tbl', 'mem,host=a usage=1 1000');
    const seen = await pollFor(() => calls('observer'), (r) => r.length >= 1, { timeoutMs: 10_000, ignoreErrors: true });
    expect(seen?.map((r) => r.tables)).to.deep.equal(['mem']);

    // Then a flush with cpu and mem rows. The cpu_only trigger runs its events in order, so once its cpu call is
    // recorded, a call for the mem-only flush would have been recorded before it.
    await writeLp(url, 'tbl', 'cpu,host=a f1=1.0 2000\nmem,host=b usage=2 3000');
    const cpu = await pollFor(() => calls('cpu_only'), (r) => r.length >= 1, { timeoutMs: 10_000, ignoreErrors: true });
    expect(cpu?.map((r) => r.tables)).to.deep.equal(['cpu']);
    expect(JSON.parse(cpu![0].rows)).to.deep.equal({ cpu: [{ host: 'a', f1: 1, time: 2000 }] });
    const all = await pollFor(() => calls('observer'), (r) => r.length >= 2, { timeoutMs: 10_000, ignoreErrors: true });
    expect(all?.map((r) => r.tables.split(',').sort().join(','))).to.deep.equal(['mem', 'cpu,mem']);
  });
});

describe('integration: triggers survive a server crash', function () {
  this.timeout(40_000);
  let p: PluginRoot;
  let dataDir: string;
  let server: ServerHandle | undefined;

  before(async () => {
    p = await makePluginRoot();
    dataDir = mkdtempSync(join(tmpdir(), 'influxdb3-triggers-data-'));
  });
  after(() => stopAndRemove(server, p, dataDir));

  it('after SIGKILL and a restart on the same data dir, the trigger starts by itself and handles the write', async () => {
    server = await startServer({ dataDir, objectStore: 'file', args: p.serverArgs });
    await createDatabase(server.url, 'foo');
    const c = await cli(server.url, [
      'create', 'trigger', '-d', 'foo', '--path', 'wal_write_reports.py', '--trigger-spec', 'all_tables', '--trigger-arguments', 'double_count_table=cpu', 'test_trigger',
    ]);
    expect(c.code, c.stderr).to.equal(0);
    await mustCreateTrigger(server.url, { db: 'foo', name: 'echo', plugin: 'request_echo.py', spec: 'request:echo' });
    await mustCreateTrigger(server.url, { db: 'foo', name: 'idle', plugin: 'request_echo.py', spec: 'request:idle', disabled: true });
    // A trigger whose plugin disappears while the server is down must not keep the server from starting.
    cpSync(join(p.pluginDir, 'request_echo.py'), join(p.pluginDir, 'doomed.py'));
    await mustCreateTrigger(server.url, { db: 'foo', name: 'doomed', plugin: 'doomed.py', spec: 'request:doomed' });
    // Wait for the trigger's runner to be up, so the crash leaves an orphan behind if the runner does not notice.
    const oldRunners = await pollFor(async () => runnerPids(p.pluginDir), (pids) => pids.length >= 3, { timeoutMs: 5_000, ignoreErrors: true });
    await server.kill();
    server = undefined;
    rmSync(join(p.pluginDir, 'doomed.py'));

    server = await startServer({ dataDir, objectStore: 'file', args: p.serverArgs });
    await writeLp(server.url, 'foo', 'cpu,host=a f1=1.0\ncpu,host=b f1=2.0\nmem,host=a usage=234');
    const url = server.url;
    const rows = await pollFor(() => query(url, 'foo', 'SELECT table_name, row_count FROM write_reports ORDER BY table_name'), (r) => r.length >= 2, { timeoutMs: 10_000, ignoreErrors: true });
    expect(rows).to.deep.equal([{ table_name: 'cpu', row_count: 4 }, { table_name: 'mem', row_count: 1 }]);

    // The request trigger came back too; the disabled one stayed disabled.
    expect((await request(`${url}/api/v3/engine/echo?k=v`)).json).to.deep.equal({ echo: { k: 'v' }, args: null });
    expect((await request(`${url}/api/v3/engine/idle`)).status).to.equal(404);
    const doomed = await request(`${url}/api/v3/engine/doomed`);
    expect(doomed.status).to.be.oneOf([404, 500, 503]);
    expect(doomed.json?.error, doomed.text).to.be.a('string');

    // The runners of the killed server went away with it (their pipe closed).
    const left = await pollFor(async () => (oldRunners ?? []).filter((pid) => runnerPids(p.pluginDir).includes(pid)), (l) => l.length === 0, { timeoutMs: 5_000, ignoreErrors: true });
    expect(left, 'runners of the killed server still alive').to.deep.equal([]);
  });
});

describe('integration: --restrict-plugin-triggers-to schedule', function () {
  this.timeout(30_000);
  let p: PluginRoot;
  let server: ServerHandle;
  let url: string;

  before(async () => {
    p = await makePluginRoot();
    server = await startServer({ args: [...p.serverArgs, '--restrict-plugin-triggers-to', 'schedule'] });
    url = server.url;
    await createDatabase(url, 'foo');
  });
  after(() => stopAndRemove(server, p));

  const create = (spec: string, name: string) =>
    cli(url, ['create', 'trigger', '-d', 'foo', '--path', 'schedule_noop.py', '--trigger-spec', spec, '--disabled', name]);

  it('WAL specs are rejected with the WalRows message', async () => {
    for (const spec of ['all_tables', 'table:cpu']) {
      const c = await create(spec, `wal_${spec.replace(':', '_')}`);
      expect(c.code, spec).to.not.equal(0);
      expect(c.stderr).to.include('server is configured to reject WalRows plugin triggers');
    }
    const r = await createTrigger(url, { db: 'foo', name: 'w', plugin: 'schedule_noop.py', spec: 'all_tables' });
    expect(r.status).to.equal(400);
  });

  it('request specs are rejected with the Request message', async () => {
    const c = await create('request:mypath', 'req');
    expect(c.code).to.not.equal(0);
    expect(c.stderr).to.include('server is configured to reject Request plugin triggers');
  });

  it('every:10s and cron:* * * * * * are created (disabled)', async () => {
    for (const [spec, name] of [['every:10s', 'every_trigger'], ['cron:* * * * * *', 'cron_trigger']]) {
      const c = await create(spec!, name!);
      expect(c.code, c.stderr).to.equal(0);
      expect(c.stdout).to.equal(`Trigger ${name} created successfully\n`);
    }
  });
});
