import { expect } from 'chai';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestVenv } from '../fixtures/plugins/plugin-server.js';
import { runCli, startServer, type ServerHandle } from '../helpers/server-process.js';
import { sendJson } from '../helpers/http.js';
import { pollFor } from '../helpers/poll.js';

// Plugin uploads, updating a trigger's plugin, path validation and the plugin file endpoints, through the real
// server, real runners and bin/influxdb3.
const DB = 'uploads';
const TRAVERSAL = (name: string) => `Path traversal detected: plugin filename '${name}' attempts to access files outside the plugin directory`;

const send = (url: string, method: string, body: unknown) => sendJson(url, body, method);

// A request-trigger plugin answering `value`; `extra` goes before the function (imports of a package).
const requestPlugin = (value: string, extra = '') =>
  `${extra}\ndef process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return {"value": ${value}}\n`;

// Every entry under `dir` as sorted relative paths (directories end in `/`).
function tree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(`${prefix}${e.name}/`, ...tree(join(dir, e.name), `${prefix}${e.name}/`));
    else out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

describe('integration: plugin uploads and updates', function () {
  this.timeout(120_000);
  let root: string;
  let pluginDir: string;
  let local: string;
  let server: ServerHandle;
  let url: string;
  let venv: string;

  const cli = (...args: string[]) => runCli([...args.slice(0, 2), '-H', url, ...args.slice(2)]);
  const createWithUpload = (name: string, path: string, spec = `request:${name}`) =>
    cli('create', 'trigger', '-d', DB, '--trigger-spec', spec, '--path', path, '--upload', name);
  const callTrigger = async (path: string): Promise<any> => {
    const res = await fetch(`${url}/api/v3/engine/${path}`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`engine/${path} answered ${res.status}: ${text}`);
    return JSON.parse(text);
  };
  // Runners reload changed plugin files before their next call; a short poll covers the watcher's latency.
  const eventually = async (path: string, expected: unknown): Promise<void> => {
    const last = await pollFor(
      () => callTrigger(path).catch((err: Error) => err.message),
      (answer) => JSON.stringify(answer) === JSON.stringify(expected),
      { timeoutMs: 5_000 },
    );
    expect(last).to.deep.equal(expected);
  };
  // system.plugin_files rows of a trigger, or null when this build has no such table yet (the plugin registry).
  const pluginFilesOf = async (trigger: string): Promise<string[] | null> => {
    const r = await send(`${url}/api/v3/query_sql`, 'POST', {
      db: '_internal',
      q: `SELECT file_name FROM system.plugin_files WHERE plugin_name = '${trigger}' ORDER BY file_name`,
    });
    if (r.status !== 200 || !Array.isArray(r.json)) return null;
    return (r.json as Array<{ file_name: string }>).map((row) => row.file_name);
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'influxdb3-uploads-'));
    pluginDir = join(root, 'plugins');
    local = join(root, 'local');
    await mkdir(pluginDir);
    await mkdir(local);
    await mkdir(join(root, 'outside'));
    venv = await buildTestVenv(join(root, 'venv'));
    server = await startServer({ args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv] });
    url = server.url;
    const db = await send(`${url}/api/v3/configure/database`, 'POST', { db: DB });
    expect(db.status, db.text).to.equal(200);
  });
  after(async () => {
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  describe('create trigger --upload', () => {
    it('uploads a single file, and the trigger runs it', async () => {
      await writeFile(join(local, 'up_single.py'), requestPlugin('1'));
      const r = await createWithUpload('up_single', join(local, 'up_single.py'));
      expect(r).to.include({ code: 0, stdout: 'Trigger up_single created successfully\n' });
      expect(await readFile(join(pluginDir, 'up_single.py'), 'utf8')).to.equal(requestPlugin('1'));
      expect(await callTrigger('up_single')).to.deep.equal({ value: 1 });
    });

    it('overwrites an existing file with the same name', async () => {
      await writeFile(join(pluginDir, 'existing.py'), 'old content\n');
      await writeFile(join(local, 'existing.py'), requestPlugin('"new"'));
      const r = await createWithUpload('up_existing', join(local, 'existing.py'));
      expect(r.code, r.stderr).to.equal(0);
      expect(await readFile(join(pluginDir, 'existing.py'), 'utf8')).to.equal(requestPlugin('"new"'));
      expect(await callTrigger('up_existing')).to.deep.equal({ value: 'new' });
    });

    it('stores subdir/../escape_test.py as escape_test.py', async () => {
      await mkdir(join(local, 'subdir'));
      await writeFile(join(local, 'escape_test.py'), requestPlugin('3'));
      const r = await createWithUpload('up_escape', `${local}/subdir/../escape_test.py`);
      expect(r.code, r.stderr).to.equal(0);
      expect(existsSync(join(pluginDir, 'escape_test.py'))).to.equal(true);
      expect(existsSync(join(root, 'escape_test.py'))).to.equal(false);
    });

    it('uploads a package with __init__.py and utils.py; system.plugin_files lists both for the trigger', async () => {
      const pkg = join(local, 'two_files');
      await mkdir(join(pkg, '__pycache__'), { recursive: true });
      await writeFile(join(pkg, '__init__.py'), requestPlugin('helper()', 'from .utils import helper'));
      await writeFile(join(pkg, 'utils.py'), 'def helper():\n    return "from utils"\n');
      await writeFile(join(pkg, '__pycache__', 'junk.py'), 'never uploaded');
      const r = await createWithUpload('up_pkg', pkg);
      expect(r).to.include({ code: 0, stdout: 'Trigger up_pkg created successfully\n' });
      expect(tree(join(pluginDir, 'two_files'))).to.deep.equal(['__init__.py', 'utils.py']);
      expect(await callTrigger('up_pkg')).to.deep.equal({ value: 'from utils' });
      const listed = await pluginFilesOf('up_pkg');
      expect(listed).to.deep.equal(['__init__.py', 'utils.py']);
    });

    it('uploads a nested models/ package: 3 files', async () => {
      const pkg = join(local, 'nested_pkg');
      await mkdir(join(pkg, 'models'), { recursive: true });
      await writeFile(join(pkg, '__init__.py'), requestPlugin('NAME', 'from .models.processor import NAME'));
      await writeFile(join(pkg, 'models', '__init__.py'), '');
      await writeFile(join(pkg, 'models', 'processor.py'), 'NAME = "processor"\n');
      const r = await createWithUpload('up_nested', pkg);
      expect(r.code, r.stderr).to.equal(0);
      expect(tree(join(pluginDir, 'nested_pkg'))).to.deep.equal(['__init__.py', 'models/', 'models/__init__.py', 'models/processor.py']);
      expect(await callTrigger('up_nested')).to.deep.equal({ value: 'processor' });
      const listed = await pluginFilesOf('up_nested');
      expect(listed).to.deep.equal(['__init__.py', 'models/__init__.py', 'models/processor.py']);
    });

    it('refuses a directory without __init__.py before uploading anything', async () => {
      const pkg = join(local, 'no_init');
      await mkdir(pkg);
      await writeFile(join(pkg, 'utils.py'), '');
      const r = await createWithUpload('up_no_init', pkg);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain('__init__.py');
      expect(existsSync(join(pluginDir, 'no_init'))).to.equal(false);
    });
  });

  describe('update trigger', () => {
    it('replaces the content of a single-file plugin', async () => {
      await writeFile(join(local, 'upd_single.py'), requestPlugin('"v1"'));
      expect((await createWithUpload('upd_single', join(local, 'upd_single.py'))).code).to.equal(0);
      expect(await callTrigger('upd_single')).to.deep.equal({ value: 'v1' });
      await writeFile(join(local, 'replacement.py'), requestPlugin('"v2"'));
      const r = await cli('update', 'trigger', '-d', DB, '--trigger-name', 'upd_single', '--path', join(local, 'replacement.py'));
      expect(r).to.include({ code: 0, stdout: "Trigger 'upd_single' updated successfully\n" });
      expect(await readFile(join(pluginDir, 'upd_single.py'), 'utf8')).to.equal(requestPlugin('"v2"'));
      expect(existsSync(join(pluginDir, 'replacement.py'))).to.equal(false);
      await eventually('upd_single', { value: 'v2' });
    });

    it('update --path new_init.py on a package replaces only __init__.py and leaves utils.py as it was', async () => {
      const pkg = join(local, 'upd_pkg');
      await mkdir(pkg);
      await writeFile(join(pkg, '__init__.py'), requestPlugin('helper()', 'from .utils import helper'));
      await writeFile(join(pkg, 'utils.py'), 'def helper():\n    return "old"\n');
      expect((await createWithUpload('upd_pkg', pkg)).code).to.equal(0);
      expect(await callTrigger('upd_pkg')).to.deep.equal({ value: 'old' });
      const utilsBefore = statSync(join(pluginDir, 'upd_pkg', 'utils.py')).mtimeMs;
      await writeFile(join(local, 'new_init.py'), requestPlugin('"new " + helper()', 'from .utils import helper'));
      const r = await cli('update', 'trigger', '-d', DB, '-t', 'upd_pkg', '-p', join(local, 'new_init.py'));
      expect(r).to.include({ code: 0, stdout: "Trigger 'upd_pkg' updated successfully\n" });
      expect(tree(join(pluginDir, 'upd_pkg'))).to.deep.equal(['__init__.py', 'utils.py']);
      expect(await readFile(join(pluginDir, 'upd_pkg', 'utils.py'), 'utf8')).to.equal('def helper():\n    return "old"\n');
      expect(statSync(join(pluginDir, 'upd_pkg', 'utils.py')).mtimeMs).to.equal(utilsBefore);
      await eventually('upd_pkg', { value: 'new old' });
    });

    it('update --path <dir> replaces the package atomically: stale files removed, no .tmp or .old left behind', async () => {
      const pkg = join(local, 'atomic_pkg');
      await mkdir(pkg);
      await writeFile(join(pkg, '__init__.py'), requestPlugin('helper()', 'from .utils import helper'));
      await writeFile(join(pkg, 'utils.py'), 'def helper():\n    return "first"\n');
      await writeFile(join(pkg, 'stale.py'), 'STALE = True\n');
      expect((await createWithUpload('atomic_pkg', pkg)).code).to.equal(0);
      expect(await callTrigger('atomic_pkg')).to.deep.equal({ value: 'first' });

      const next = join(local, 'atomic_next');
      await mkdir(join(next, 'lib'), { recursive: true });
      await writeFile(join(next, '__init__.py'), requestPlugin('helper()', 'from .lib.helpers import helper'));
      await writeFile(join(next, 'lib', '__init__.py'), '');
      await writeFile(join(next, 'lib', 'helpers.py'), 'def helper():\n    return "second"\n');
      const r = await cli('update', 'trigger', '-d', DB, '-t', 'atomic_pkg', '-p', next);
      expect(r).to.include({ code: 0, stdout: "Trigger 'atomic_pkg' updated successfully\n" });
      expect(tree(join(pluginDir, 'atomic_pkg'))).to.deep.equal(['__init__.py', 'lib/', 'lib/__init__.py', 'lib/helpers.py']);
      expect(readdirSync(pluginDir).filter((n) => n.includes('.tmp') || n.includes('.old'))).to.deep.equal([]);
      await eventually('atomic_pkg', { value: 'second' });
    });

    it('an unknown trigger is 500 "Plugin not found: <name>"; a missing local path fails in the CLI', async () => {
      const put = await send(`${url}/api/v3/plugins/files`, 'PUT', { plugin_name: 'no_such_trigger', content: 'x' });
      expect(put.status).to.equal(500);
      expect(put.json).to.deep.equal({ error: 'Plugin not found: no_such_trigger' });
      const dir = await send(`${url}/api/v3/plugins/directory`, 'PUT', {
        plugin_name: 'no_such_trigger',
        files: [{ relative_path: '__init__.py', content: '' }],
      });
      expect(dir.status).to.equal(500);
      expect(dir.json).to.deep.equal({ error: 'Plugin not found: no_such_trigger' });
      await writeFile(join(local, 'any.py'), '');
      const viaCli = await cli('update', 'trigger', '-d', DB, '-t', 'no_such_trigger', '-p', join(local, 'any.py'));
      expect(viaCli).to.include({ code: 1, stderr: 'Error: Plugin not found: no_such_trigger\n' });
      const missing = await cli('update', 'trigger', '-d', DB, '-t', 'upd_single', '-p', join(local, 'gone.py'));
      expect(missing).to.include({ code: 1, stderr: `Error: Path does not exist: ${join(local, 'gone.py')}\n` });
    });
  });

  describe('path validation (POST /api/v3/plugins/files)', () => {
    it('accepts plugin.py and my_plugin/utils.py', async () => {
      for (const name of ['plugin.py', 'my_plugin/utils.py']) {
        const r = await send(`${url}/api/v3/plugins/files?db=ignored`, 'POST', { plugin_name: name, content: `# ${name}\n` });
        expect(r.status, r.text).to.equal(200);
        expect(r.text).to.equal('');
        expect(await readFile(join(pluginDir, name), 'utf8')).to.equal(`# ${name}\n`);
      }
    });

    it('rejects ../evil.py, /etc/passwd, subdir/../../evil.py and a symlink escape as path traversal', async () => {
      await symlink(join(root, 'outside'), join(pluginDir, 'escape_link'));
      for (const name of ['../evil.py', '/etc/passwd', 'subdir/../../evil.py', 'escape_link/evil.py']) {
        const r = await send(`${url}/api/v3/plugins/files`, 'POST', { plugin_name: name, content: 'evil' });
        expect(r.status, name).to.equal(500);
        expect(r.json, name).to.deep.equal({ error: TRAVERSAL(name) });
      }
      expect(readdirSync(join(root, 'outside'))).to.deep.equal([]);
      expect(existsSync(join(root, 'evil.py'))).to.equal(false);
      const dir = await send(`${url}/api/v3/plugins/directory`, 'PUT', {
        plugin_name: 'atomic_pkg',
        files: [{ relative_path: '__init__.py', content: '' }, { relative_path: '../../evil.py', content: 'evil' }],
      });
      expect(dir.status).to.equal(500);
      expect(dir.json).to.deep.equal({ error: TRAVERSAL('../../evil.py') });
      expect(tree(join(pluginDir, 'atomic_pkg'))).to.deep.equal(['__init__.py', 'lib/', 'lib/__init__.py', 'lib/helpers.py']);
    });

    it('checks the body: JSON only, plugin_name and content required, the HTTP body limit applies', async () => {
      const noName = await send(`${url}/api/v3/plugins/files`, 'POST', { content: 'x' });
      expect(noName).to.include({ status: 400 });
      expect(noName.json).to.deep.equal({ error: "missing required parameter 'plugin_name'" });
      const noContent = await send(`${url}/api/v3/plugins/files`, 'POST', { plugin_name: 'a.py' });
      expect(noContent.json).to.deep.equal({ error: "missing required parameter 'content'" });
      const text = await fetch(`${url}/api/v3/plugins/files`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
      expect(text.status).to.equal(415);
      const huge = await send(`${url}/api/v3/plugins/files`, 'POST', { plugin_name: 'huge.py', content: 'x'.repeat(10_485_760) });
      expect(huge.status).to.equal(413);
      expect(existsSync(join(pluginDir, 'huge.py'))).to.equal(false);
    });
  });

  describe('GET /api/v3/plugins/files (the web console\'s editor reads a plugin)', () => {
    it('answers a file\'s text, a package\'s __init__.py, 404 for a missing file and refuses paths outside', async () => {
      await writeFile(join(pluginDir, 'readable.py'), 'VALUE = 1\n');
      await mkdir(join(pluginDir, 'readpkg'), { recursive: true });
      await writeFile(join(pluginDir, 'readpkg', '__init__.py'), 'PKG = 2\n');
      const get = async (name: string) => {
        const res = await fetch(`${url}/api/v3/plugins/files?${new URLSearchParams({ plugin_name: name })}`);
        return { status: res.status, json: await res.json() };
      };
      expect(await get('readable.py')).to.deep.equal({ status: 200, json: { plugin_name: 'readable.py', content: 'VALUE = 1\n' } });
      expect(await get('readpkg')).to.deep.equal({ status: 200, json: { plugin_name: 'readpkg', content: 'PKG = 2\n' } });
      expect(await get('nowhere.py')).to.deep.equal({ status: 404, json: { error: 'plugin file not found: nowhere.py' } });
      expect(await get('../outside.py')).to.deep.equal({ status: 500, json: { error: TRAVERSAL('../outside.py') } });
      const missing = await fetch(`${url}/api/v3/plugins/files`);
      expect(missing.status).to.equal(400);
    });
  });

  describe('servers that refuse uploads', () => {
    it('with no plugin directory: an error mentioning "No plugin directory"', async () => {
      const off = await startServer();
      try {
        await writeFile(join(local, 'off.py'), requestPlugin('1'));
        const r = await runCli(['create', 'trigger', '-H', off.url, '-d', DB, '--trigger-spec', 'request:off', '--path', join(local, 'off.py'), '--upload', 'off']);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain('No plugin directory');
        for (const [method, path] of [['POST', 'files'], ['PUT', 'files'], ['PUT', 'directory']] as const) {
          const h = await send(`${off.url}/api/v3/plugins/${path}`, method, { plugin_name: 'x.py', content: '', files: [] });
          expect(h.status, `${method} ${path}`).to.equal(500);
          expect(h.json.error).to.contain('No plugin directory configured');
        }
      } finally {
        await off.stop();
      }
    });

    it('with --plugin-dir-only: 403 and upstream text, nothing written', async () => {
      const lockedDir = join(root, 'locked-plugins');
      await mkdir(lockedDir);
      const locked = await startServer({ args: ['--plugin-dir', lockedDir, '--virtual-env-location', venv, '--plugin-dir-only'] });
      try {
        for (const [method, path] of [['POST', 'files'], ['PUT', 'files'], ['PUT', 'directory']] as const) {
          const h = await send(`${locked.url}/api/v3/plugins/${path}`, method, { plugin_name: 'x.py', content: '', files: [] });
          expect(h.status, `${method} ${path}`).to.equal(403);
          expect(h.json).to.deep.equal({ error: 'plugin installation is disabled; plugins must already exist in the configured plugin directory' });
        }
        expect(readdirSync(lockedDir)).to.deep.equal([]);
      } finally {
        await locked.stop();
      }
    });
  });
});
