import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import logfmt from 'logfmt';
import { BIN, startServer, type ServerHandle } from '../helpers/server-process.js';
import { duplicateKeys } from '../helpers/json-keys.js';
import { pollUntil } from '../helpers/poll.js';

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

// Runs `serve` with `args` until `until` shows in its output (then SIGTERM) or it exits; stdout may go to a file.
async function runServe(args: string[], options: { until?: RegExp; env?: Record<string, string>; stdoutFile?: string } = {}): Promise<Run> {
  const out = options.stdoutFile ? openSync(options.stdoutFile, 'w') : 'pipe';
  const child = spawn(process.execPath, [BIN, 'serve', '--without-auth', '--object-store', 'memory', ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', out, 'pipe'],
  });
  if (typeof out === 'number') closeSync(out);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const seen = (): string => (options.stdoutFile ? readFileSync(options.stdoutFile, 'utf8') : stdout) + stderr;
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  if (options.until) {
    const until = options.until;
    await Promise.race([pollUntil(() => until.test(seen()), `output matching ${until}`, { timeoutMs: 25_000, intervalMs: 50 }), exited]);
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  const code = await exited;
  clearTimeout(kill);
  return { stdout: options.stdoutFile ? readFileSync(options.stdoutFile, 'utf8') : stdout, stderr, code };
}

describe('integration: the server log an operator reads', function () {
  this.timeout(90_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'influxdb3-logs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('JSON lines at debug, through writes, queries, errors and a plugin', () => {
    let server: ServerHandle;
    before(async () => {
      const plugins = join(dir, 'plugins');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(plugins);
      writeFileSync(join(plugins, 'hello.py'), 'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    influxdb3_local.info("hello info")\n    influxdb3_local.warn("hello warn")\n    return {"ok": True}\n');
      server = await startServer({ args: ['--log-filter', 'debug', '--plugin-dir', plugins] });
      const post = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      await fetch(`${server.url}/api/v3/write_lp?db=l`, { method: 'POST', body: 'm v=1 1\nbad\n' });
      await fetch(`${server.url}/api/v3/write_lp?db=l`, { method: 'POST', body: 'm v=1 1\n' });
      await post('/api/v3/query_sql', { db: 'l', q: 'SELECT nope FROM m' });
      await post('/api/v3/query_sql', { db: 'l', q: 'SELECT * FROM m' });
      const trigger = await post('/api/v3/configure/processing_engine_trigger', { db: 'l', plugin_filename: 'hello.py', trigger_name: 'hello', trigger_specification: 'request:hello' });
      expect(trigger.status).to.equal(200);
      expect((await fetch(`${server.url}/api/v3/engine/hello`, { method: 'POST' })).status).to.equal(200);
      await pollUntil(() => server.logs.some((l) => l.includes('hello warn')), 'the plugin\'s WARN line');
    });
    after(async () => {
      await server?.stop();
    });

    it('every line is one JSON object with no key twice', () => {
      const lines = server.logs.filter((l) => l.startsWith('{'));
      expect(lines.length).to.be.greaterThan(20);
      for (const line of lines) {
        expect(() => JSON.parse(line), line).to.not.throw();
        expect(duplicateKeys(line), line).to.deep.equal([]);
      }
      // The rejected request's reason is kept (it used to be a second `msg`).
      const rejected = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request rejected');
      expect(rejected?.reason, 'request rejected names its reason').to.be.a('string');
    });

    it('a plugin\'s INFO lines reach the server log at debug only; its WARN at warn', () => {
      const parsed = server.logs.map((l) => JSON.parse(l) as { level: number; msg: string });
      expect(parsed.find((l) => l.msg === 'processing engine: hello info')?.level).to.equal(20);
      expect(parsed.find((l) => l.msg === 'processing engine: hello warn')?.level).to.equal(40);
    });
  });

  it('--log-format logfmt: key=value lines', async () => {
    const r = await runServe(['--http-bind', '127.0.0.1:0', '--log-format', 'logfmt'], { until: /influxdb3-engine listening/ });
    const lines = r.stdout.trim().split('\n');
    const listening = lines.map((l) => logfmt.parse(l) as Record<string, string>).find((l) => l.msg === 'influxdb3-engine listening');
    expect(listening, r.stdout).to.include({ level: 'info' });
    expect(listening!.address).to.match(/^127\.0\.0\.1:\d+$/);
    expect(listening!.time).to.match(/^\d{4}-\d\d-\d\dT/);
  });

  it('--log-format full: one human line per record; --log-destination stderr leaves stdout empty', async () => {
    const r = await runServe(['--http-bind', '127.0.0.1:0', '--log-format', 'full', '--log-destination', 'stderr'], { until: /influxdb3-engine listening/ });
    expect(r.stdout).to.equal('');
    const line = r.stderr.split('\n').find((l) => l.includes('influxdb3-engine listening'))!;
    expect(line).to.match(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] INFO: influxdb3-engine listening \{.*"address":"127\.0\.0\.1:\d+"/);
  });

  it('to journald (JOURNAL_STREAM names its stream), each line starts with its syslog priority', async () => {
    const file = join(dir, 'journal.out');
    writeFileSync(file, '');
    const st = fstatSync(openSync(file, 'r'));
    const r = await runServe(['--http-bind', '127.0.0.1:0'], { until: /influxdb3-engine listening/, stdoutFile: file, env: { JOURNAL_STREAM: `${st.dev}:${st.ino}` } });
    const lines = r.stdout.trim().split('\n');
    expect(lines.find((l) => l.includes('AUTHENTICATION IS DISABLED'))).to.match(/^<4>\{/);
    expect(lines.find((l) => l.includes('influxdb3-engine listening'))).to.match(/^<6>\{/);
  });

  it('a port in use stops the start with one line naming --http-bind, and no stack', async () => {
    const first = await startServer({ objectStore: 'memory' });
    try {
      const r = await runServe(['--http-bind', `127.0.0.1:${first.port}`]);
      expect(r.code).to.equal(1);
      const fatal = r.stdout.split('\n').filter((l) => l.includes('"level":60'));
      expect(fatal).to.have.length(1);
      expect(JSON.parse(fatal[0]!).msg).to.equal(`failed to start: address 127.0.0.1:${first.port} is already in use (--http-bind): stop what listens there or choose another address`);
      expect(r.stdout).to.not.include('"stack"');
    } finally {
      await first.stop();
    }
  });

  it('a data dir held by another server stops the start naming the directory and its PID, and leaves it alone', async () => {
    const first = await startServer();
    try {
      const catalog = readFileSync(join(first.dataDir, 'catalog.json'), 'utf8');
      const r = await runServe(['--http-bind', '127.0.0.1:0', '--object-store', 'file', '--data-dir', first.dataDir]);
      expect(r.code).to.equal(1);
      const fatal = JSON.parse(r.stdout.split('\n').find((l) => l.includes('"level":60'))!) as { msg: string };
      expect(fatal.msg).to.equal(`failed to start: data dir ${first.dataDir} is in use by PID ${first.child.pid} (another influxdb3 serve?): stop it or choose another --data-dir`);
      expect(r.stdout).to.not.include('final checkpoint failed');
      expect(readFileSync(join(first.dataDir, 'catalog.json'), 'utf8')).to.equal(catalog);
    } finally {
      await first.stop();
    }
  });
});
