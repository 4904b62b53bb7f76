import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureVenv } from '../../src/engine/environment/ensure-venv.js';
import { createLogger } from '../../src/shared/logger.js';
import { pollFor } from '../helpers/poll.js';
import { startServer, type ServerHandle } from '../helpers/server-process.js';
import { fetchAnswer, sendJson } from '../helpers/http.js';
import { pluginSource } from '../fixtures/plugins/sources.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const REQUEST_PLUGIN = pluginSource('plugin-environment-waiting', 'env_request.py');

const WAL_PLUGIN = pluginSource('plugin-environment-waiting', 'env_wal.py');

async function createRequestTrigger(url: string, db: string, name: string, path: string): Promise<void> {
  const r = await sendJson(`${url}/api/v3/configure/database`, { db });
  expect(r.status, r.text).to.equal(200);
  const t = await sendJson(`${url}/api/v3/configure/processing_engine_trigger`, {
    db,
    plugin_filename: 'env_request.py',
    trigger_name: name,
    trigger_specification: `request:${path}`,
    trigger_settings: { run_async: false, error_behavior: 'disable' },
    trigger_arguments: null,
    disabled: false,
  });
  expect(t.status, t.text).to.equal(200);
}

async function triggerRow(url: string, db: string, name: string): Promise<Record<string, unknown> | undefined> {
  const r = await sendJson(`${url}/api/v3/query_sql`, {
    db,
    q: `SELECT t.trigger_name, t.state, t.disabled, t.disabled_reason, s.state AS stats_state, s.restarts
        FROM system.processing_engine_triggers t JOIN system.processing_engine_trigger_stats s USING (trigger_name)`,
  });
  if (r.status !== 200) throw new Error(`query answered ${r.status}: ${r.text}`);
  return (r.json as Array<Record<string, unknown>>).find((row) => row.trigger_name === name);
}


function writeScript(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

// A broken plugin Python is not a plugin failure: triggers wait visibly and start once it is fixed; a Python
// without msgpack runs plugins on the runner's own codec.
describe('integration: plugin environment (waiting for Python, Python without msgpack)', function () {
  this.timeout(120_000);
  let root: string;
  let server: ServerHandle | undefined;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'influxdb3-envwait-'));
    mkdirSync(join(root, 'plugins'));
    writeFileSync(join(root, 'plugins', 'env_request.py'), REQUEST_PLUGIN);
    writeFileSync(join(root, 'plugins', 'env_wal.py'), WAL_PLUGIN);
  });
  afterEach(async () => {
    await server?.stop();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
    server = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it('--python unusable: a trigger waits in waiting-for-environment, is never disabled, and runs once Python is fixed', async () => {
    const python = join(root, 'python3');
    writeScript(python, 'echo "this python is broken on purpose" >&2\nexit 1');
    server = await startServer({
      args: ['--plugin-dir', join(root, 'plugins'), '--virtual-env-location', join(root, 'venv'), '--python', python],
      env: { INFLUXDB3_PLUGIN_ENV_REPROBE_MS: '500' },
    });
    await createRequestTrigger(server.url, 'envdb', 'waiter', 'envhook');
    const url = server.url;
    const waiting = await pollFor(() => triggerRow(url, 'envdb', 'waiter'), (r) => r?.state === 'waiting-for-environment', { timeoutMs: 20_000, intervalMs: 200, ignoreErrors: true });
    expect(waiting).to.include({ state: 'waiting-for-environment', stats_state: 'waiting-for-environment', disabled: false });
    expect(String(waiting!.disabled_reason)).to.include(`the python named by --python / INFLUXDB3_PYTHON is unusable (${python}: failed`);
    const early = await fetchAnswer(`${url}/api/v3/engine/envhook`, { method: 'POST', body: 'x' });
    expect(early.status).to.equal(503);
    expect(early.text).to.include('waiting for the plugin environment');

    // Longer than the supervisor needs to give up on a runner that keeps dying (6 restarts: 0.25 + 0.5 + … + 8 s).
    const until = Date.now() + 17_000;
    while (Date.now() < until) {
      const row = await triggerRow(url, 'envdb', 'waiter');
      expect(row).to.include({ state: 'waiting-for-environment', disabled: false, restarts: 0 });
      await sleep(1_000);
    }
    const probes = server.logs.filter((l) => l.includes('preparing the plugin python environment')).length;
    expect(probes, 'the environment was probed again on the timer').to.be.at.least(4);
    expect(server.logs.filter((l) => l.includes('processing engine unavailable') && l.includes('"level":50'))).to.have.length(1);

    writeScript(python, 'exec /usr/bin/python3 "$@"');
    const running = await pollFor(() => triggerRow(url, 'envdb', 'waiter'), (r) => r?.state === 'running', { timeoutMs: 60_000, intervalMs: 200, ignoreErrors: true });
    expect(running).to.include({ state: 'running', disabled: false, restarts: 0 });
    const answer = await fetchAnswer(`${url}/api/v3/engine/envhook`, { method: 'POST', body: 'hello' });
    expect(answer.status, answer.text).to.equal(200);
    expect(JSON.parse(answer.text)).to.deep.include({ body: 'hello', f: 0.25 });
  });

  it('--python without msgpack: plugins run on the pure-Python codec, with one warning in the log', async function () {
    const probe = await execa('python3', ['-c', 'import sys; print(sys.executable if sys.version_info >= (3, 10) else ""); import msgpack'], { reject: false });
    const bare = probe.stdout.trim();
    if (!bare || probe.exitCode === 0) {
      this.skip(); // needs a python3 >= 3.10 on PATH without the msgpack package (here: the pyenv python3)
    }
    const venvDir = join(root, 'venv');
    await ensureVenv({ venvDir, basePython: bare, logger: createLogger('silent'), withPip: false });
    server = await startServer({ args: ['--plugin-dir', join(root, 'plugins'), '--virtual-env-location', venvDir, '--python', bare] });
    const url = server.url;

    const dry = await sendJson(`${url}/api/v3/plugin_test/wal`, {
      filename: 'env_wal.py',
      database: 'fb',
      input_lp: 'cpu,host=a v=1.5,big=9223372036854775807i 1700000000000000001\ncpu,host=b v=-2.0,big=-9223372036854775808i 1700000000000000002',
    });
    expect(dry.status, dry.text).to.equal(200);
    const lines = (dry.json as { log_lines: string[] }).log_lines.filter((l) => l.includes('fallback cpu'));
    expect(lines).to.deep.equal([
      'INFO: fallback cpu a 1.5 9223372036854775807 1700000000000000001',
      'INFO: fallback cpu b -2.0 -9223372036854775808 1700000000000000002',
    ]);

    await createRequestTrigger(url, 'fb', 'fbreq', 'fbhook');
    const answer = await pollFor(() => fetchAnswer(`${url}/api/v3/engine/fbhook`, { method: 'POST', body: 'héllo' }), (a) => a.status === 200, { timeoutMs: 30_000, intervalMs: 200, ignoreErrors: true });
    expect(answer?.status, answer?.text).to.equal(200);
    expect(JSON.parse(answer!.text)).to.deep.equal({ codec: 'fallback', big: 9223372036854775807, neg: -9223372036854775808, f: 0.25, body: 'héllo' });

    const warns = server.logs.filter((l) => l.includes("plugins use the runner's pure-Python msgpack codec") && l.includes('"level":40'));
    expect(warns).to.have.length(1);
    expect(server.logs.some((l) => l.includes('using the pure-Python msgpack codec'))).to.equal(true); // the runner's own line
  });
});
