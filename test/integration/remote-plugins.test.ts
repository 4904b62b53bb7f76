import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { buildTestVenv } from '../fixtures/plugins/plugin-server.js';
import { runCli, startServer, type ServerHandle } from '../helpers/server-process.js';
import { pollUntil } from '../helpers/poll.js';
import { pluginSource } from '../fixtures/plugins/sources.js';

// gh: plugins from a static HTTP host (upstream) and from a Git repository with @ref pins and packages (beyond
// upstream), kept in <plugin-dir>/.plugin-cache so restarts work while the repository is down. Only loopback.
const WAL_PLUGIN = pluginSource('remote-plugins', 'wal_plugin.py');

const pkgInit = (version: string) => `
from .helper import answer
def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):
    return {"version": "${version}", "answer": answer()}
def process_scheduled_call(influxdb3_local, call_time, args=None):
    influxdb3_local.info("pkg ${version}", answer())
`;


async function post(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

function trigger(db: string, name: string, plugin: string, spec: string) {
  return { db, trigger_name: name, plugin_filename: plugin, trigger_specification: spec, trigger_settings: { run_async: false, error_behavior: 'log' } };
}

describe('integration: remote (gh:) plugins', function () {
  this.timeout(60_000);
  let root: string;
  let venv: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'influxdb3-remote-'));
    venv = await buildTestVenv(join(root, 'venv'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  describe('from a static HTTP host', () => {
    let host: Server;
    let repoUrl: string;
    let server: ServerHandle | null = null;
    const pluginDir = () => join(root, 'http-plugins');
    before(async () => {
      const files = join(root, 'http-repo');
      mkdirSync(join(files, 'examples'), { recursive: true });
      writeFileSync(join(files, 'examples', 'wal_plugin.py'), WAL_PLUGIN);
      host = createServer((req, res) => {
        readFile(join(files, decodeURIComponent(new URL(req.url!, 'http://x').pathname)))
          .then((b) => res.end(b))
          .catch(() => {
            res.statusCode = 404;
            res.end('nope');
          });
      });
      await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
      repoUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/`;
      mkdirSync(pluginDir(), { recursive: true });
    });
    after(async () => {
      await server?.stop();
      host.closeAllConnections();
      await new Promise((r) => host.close(r));
    });

    const start = async (dataDir?: string) =>
      startServer({ dataDir, args: ['--plugin-dir', pluginDir(), '--virtual-env-location', venv, '--plugin-repo', repoUrl, '--wal-flush-interval', '100ms'] });

    it('runs gh:examples/wal_plugin.py from the repository, then from its cached copy when the repository is down', async () => {
      server = await start();
      const write = (lp: string) => fetch(`${server!.url}/api/v3/write_lp?db=remote`, { method: 'POST', body: lp });
      await write('test_input,host=a v=1i 1');
      const created = await post(`${server.url}/api/v3/configure/processing_engine_trigger`, trigger('remote', 'gh_wal', 'gh:examples/wal_plugin.py', 'all_tables'));
      expect(created.status, created.text).to.equal(200);
      await write('test_input,host=a v=2i 2');
      const rows = async () => {
        const res = await fetch(`${server!.url}/api/v3/query_sql?db=remote&q=${encodeURIComponent('SELECT table_name, row_count FROM write_reports')}`);
        const body = (await res.json()) as Array<{ table_name: string; row_count: number }>;
        return Array.isArray(body) && body.length > 0 ? body : undefined;
      };
      expect((await pollUntil(() => rows().catch(() => undefined), 'write_reports'))[0]).to.deep.equal({ table_name: 'test_input', row_count: 1 });

      // The repository goes away; a restart still starts the trigger from the cache, with a warning.
      const dataDir = server.dataDir;
      await server.stop();
      host.closeAllConnections();
      await new Promise((r) => host.close(r));
      server = await start(dataDir);
      await pollUntil(() => server!.logs.some((l) => l.includes('using the cached copy')), 'the stale-copy warning');
      await write('other,host=b v=3i 3');
      await pollUntil(async () => (await rows().catch(() => undefined))?.some((r) => r.table_name === 'other'), 'a row from the cached plugin');
      host.listen(0, '127.0.0.1');
    });

    it('a missing file is a 404 from the repository', async () => {
      server ??= await start();
      const res = await post(`${server.url}/api/v3/configure/processing_engine_trigger`, trigger('remote', 'bad', 'gh:not_a_file.py', 'all_tables'));
      expect(res.status).to.equal(500);
      expect(res.text).to.contain('error fetching plugin from repository: ');
      expect(res.text).to.match(/404 Not Found|ECONNREFUSED|fetch failed/);
    });
  });

  describe('from a Git repository', () => {
    let server: ServerHandle;
    let git: (...args: string[]) => Buffer;
    let work: string;
    before(async () => {
      work = join(root, 'git-work');
      const bare = join(root, 'plugins-repo.git');
      git = (...args: string[]) => execFileSync('git', args, { cwd: work, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
      mkdirSync(join(work, 'pkg'), { recursive: true });
      git('init', '--quiet', '-b', 'main');
      writeFileSync(join(work, 'pkg', '__init__.py'), pkgInit('v1'));
      writeFileSync(join(work, 'pkg', 'helper.py'), 'def answer():\n    return 41\n');
      writeFileSync(join(work, 'single.py'), 'def process_scheduled_call(influxdb3_local, call_time, args=None):\n    influxdb3_local.info("single", 41)\n');
      git('add', '.');
      git('commit', '--quiet', '-m', 'v1');
      git('tag', 'v1');
      writeFileSync(join(work, 'pkg', '__init__.py'), pkgInit('v2'));
      writeFileSync(join(work, 'pkg', 'helper.py'), 'def answer():\n    return 42\n');
      git('commit', '--quiet', '-am', 'v2');
      execFileSync('git', ['clone', '--quiet', '--bare', work, bare]);
      git('remote', 'add', 'origin', bare);
      const pluginDir = join(root, 'git-plugins');
      mkdirSync(pluginDir, { recursive: true });
      server = await startServer({ args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv, '--plugin-repo', `git+file://${bare}`] });
      await fetch(`${server.url}/api/v3/write_lp?db=gitdb`, { method: 'POST', body: 'm v=1i 1' });
    });
    after(async () => {
      await server?.stop();
    });

    const call = async (path: string) => (await fetch(`${server.url}/api/v3/engine/${path}`)).json();

    it('runs a multi-file package at HEAD and pinned to a tag', async () => {
      expect((await post(`${server.url}/api/v3/configure/processing_engine_trigger`, trigger('gitdb', 'head', 'gh:pkg', 'request:head'))).status).to.equal(200);
      expect((await post(`${server.url}/api/v3/configure/processing_engine_trigger`, trigger('gitdb', 'pinned', 'gh:pkg@v1', 'request:pinned'))).status).to.equal(200);
      expect(await call('head')).to.deep.equal({ version: 'v2', answer: 42 });
      expect(await call('pinned')).to.deep.equal({ version: 'v1', answer: 41 });
    });

    it('an explicit refresh moves triggers to the new HEAD; pinned ones stay', async () => {
      writeFileSync(join(work, 'pkg', '__init__.py'), pkgInit('v3'));
      git('commit', '--quiet', '-am', 'v3');
      git('push', '--quiet', 'origin', 'main');
      expect(await call('head')).to.deep.equal({ version: 'v2', answer: 42 });
      const res = await post(`${server.url}/api/v3/configure/plugin_repository/refresh`, {});
      expect(res.status, res.text).to.equal(200);
      expect(JSON.parse(res.text).refreshed.map((r: { trigger: string; error: string | null }) => [r.trigger, r.error])).to.deep.equal([
        ['head', null],
        ['pinned', null],
      ]);
      expect(await call('head')).to.deep.equal({ version: 'v3', answer: 42 });
      expect(await call('pinned')).to.deep.equal({ version: 'v1', answer: 41 });
      const cli = await runCli(['refresh', 'plugins', '--host', server.url]);
      expect(cli.code, cli.stderr).to.equal(0);
      expect(cli.stdout).to.match(/^Refreshed gitdb\/head \(gh:pkg\): version [0-9a-f]{40}:pkg$/m);
    });

    it('dry-runs a single file from the repository', async () => {
      const res = await post(`${server.url}/api/v3/plugin_test/schedule`, { filename: 'gh:single.py', database: 'gitdb' });
      expect(res.status, res.text).to.equal(200);
      expect(JSON.parse(res.text).log_lines).to.include('INFO: single 41');
    });

    it('names a missing path or ref', async () => {
      const missing = await post(`${server.url}/api/v3/configure/processing_engine_trigger`, trigger('gitdb', 'x', 'gh:nope.py', 'request:x'));
      expect(missing.status).to.equal(500);
      expect(missing.text).to.contain("error fetching plugin from repository: 404 Not Found: 'nope.py' is not in");
      const badRef = await post(`${server.url}/api/v3/configure/processing_engine_trigger`, trigger('gitdb', 'y', 'gh:pkg@v9', 'request:y'));
      expect(badRef.text).to.contain("ref 'v9' not found");
    });
  });

  it('--plugin-dir-only refuses gh: plugins', async () => {
    const pluginDir = join(root, 'only');
    mkdirSync(pluginDir, { recursive: true });
    const server = await startServer({ args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv, '--plugin-dir-only', 'true'] });
    try {
      await fetch(`${server.url}/api/v3/write_lp?db=o`, { method: 'POST', body: 'm v=1i 1' });
      const res = await post(`${server.url}/api/v3/configure/processing_engine_trigger`, trigger('o', 't', 'gh:x.py', 'every:10s'));
      expect(res.status).to.equal(403);
      expect(res.text).to.contain('plugin installation is disabled; plugins must already exist in the configured plugin directory');
    } finally {
      await server.stop();
    }
  });
});
