import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestVenv } from '../fixtures/plugins/plugin-server.js';
import { removeDir, startServer, type ServerHandle } from '../helpers/server-process.js';

// Every path-taking input of the HTTP API (plugin names of triggers and dry runs, upload paths, package
// directory entries, requirements paths, gh: names) refuses to leave the plugin directory, through `..`, absolute
// paths, drive prefixes and symlinks, and nothing outside is read, run or written.
const REFUSED = /Path traversal detected|invalid plugin name|invalid ref|must be a file inside the plugin directory|Plugin not found/;
const SECRET = 'SECRET-OUTSIDE-THE-PLUGIN-DIR';

interface Case {
  endpoint: string;
  method: 'POST' | 'PUT';
  path: string;
  body: (input: string) => unknown;
  inputs: string[];
}

describe('integration: path traversal on every path-taking input', function () {
  this.timeout(180_000);
  let root: string;
  let pluginDir: string;
  let outside: string;
  let server: ServerHandle;
  let url: string;
  let outsideBefore: string[];

  const send = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'traversal-'));
    pluginDir = join(root, 'plugins');
    outside = join(root, 'outside');
    await mkdir(join(pluginDir, 'pkg'), { recursive: true });
    await mkdir(outside);
    // A plugin outside: were it ever run, its output would carry SECRET.
    const leaky = `def process_writes(influxdb3_local, table_batches, args=None):\n    influxdb3_local.info("${SECRET}")\n\n` +
      `def process_scheduled_call(influxdb3_local, call_time, args=None):\n    influxdb3_local.info("${SECRET}")\n\n` +
      `def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return {"leak": "${SECRET}"}\n`;
    await writeFile(join(outside, 'secret.py'), leaky);
    await writeFile(join(outside, 'requirements.txt'), `${SECRET}==1.0\n`);
    await symlink(outside, join(pluginDir, 'link_out'));
    await writeFile(join(pluginDir, 'pkg', '__init__.py'), 'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return {"v": 1}\n');
    const venv = await buildTestVenv(join(root, 'venv'));
    server = await startServer({ args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv] });
    url = server.url;
    expect((await send('POST', '/api/v3/configure/database', { db: 'pt' })).status).to.equal(200);
    const pkg = await send('POST', '/api/v3/configure/processing_engine_trigger', {
      db: 'pt', trigger_name: 'pkg_trigger', plugin_filename: 'pkg', trigger_specification: 'request:pkg', trigger_settings: {}, disabled: false,
    });
    expect(pkg.status, pkg.text).to.equal(200);
    outsideBefore = (await readdir(outside)).sort();
  });

  after(async () => {
    await server?.stop();
    if (server) removeDir(server.dataDir);
    if (root) await rm(root, { recursive: true, force: true });
  });

  const pluginNames = (): string[] => [
    '../outside/secret.py',
    '../../etc/passwd',
    '/etc/passwd',
    `${root}/outside/secret.py`,
    'pkg/../../outside/secret.py',
    'link_out/secret.py',
    'C:\\outside\\secret.py',
    '..',
  ];
  const remoteNames = ['gh:../outside/secret', 'gh:/../../etc/passwd', 'gh:foo/../../outside/secret', 'gh:foo@-oops', 'gh:foo@../../x'];

  const cases = (): Case[] => [
    {
      endpoint: 'create trigger: plugin_filename', method: 'POST', path: '/api/v3/configure/processing_engine_trigger',
      body: (name) => ({ db: 'pt', trigger_name: `t_${Buffer.from(name).toString('hex').slice(0, 40)}`, plugin_filename: name, trigger_specification: 'request:x_probe', trigger_settings: {}, disabled: false }),
      inputs: [...pluginNames(), ...remoteNames],
    },
    {
      endpoint: 'WAL dry run: filename', method: 'POST', path: '/api/v3/plugin_test/wal',
      body: (name) => ({ filename: name, database: 'pt', input_lp: 'm v=1' }),
      inputs: [...pluginNames(), ...remoteNames],
    },
    {
      endpoint: 'schedule dry run: filename', method: 'POST', path: '/api/v3/plugin_test/schedule',
      body: (name) => ({ filename: name, database: 'pt' }),
      inputs: [...pluginNames(), ...remoteNames],
    },
    {
      endpoint: 'upload: plugin_name', method: 'POST', path: '/api/v3/plugins/files',
      body: (name) => ({ plugin_name: name, content: '# overwritten\n' }),
      inputs: [...pluginNames(), 'link_out/new.py', '../escape.py', 'pkg/../../escape.py'],
    },
    {
      endpoint: 'update by trigger name: plugin_name', method: 'PUT', path: '/api/v3/plugins/files',
      body: (name) => ({ plugin_name: name, content: '# overwritten\n' }),
      inputs: pluginNames(),
    },
    {
      endpoint: 'replace package: files[].relative_path', method: 'PUT', path: '/api/v3/plugins/directory',
      body: (rel) => ({ plugin_name: 'pkg_trigger', files: [{ relative_path: '__init__.py', content: '# replaced\n' }, { relative_path: rel, content: '# escaped\n' }] }),
      inputs: ['../escape.py', '../../outside/escape.py', '/tmp/escape.py', `${root}/outside/escape.py`, 'a/../../escape.py', '..', 'C:\\escape.py'],
    },
    {
      endpoint: 'install requirements: requirements_location', method: 'POST', path: '/api/v3/configure/plugin_environment/install_requirements',
      body: (p) => ({ requirements_location: p }),
      inputs: ['../outside/requirements.txt', `${root}/outside/requirements.txt`, 'link_out/requirements.txt', '/etc/passwd', 'pkg/../../outside/requirements.txt'],
    },
  ];

  it('refuses every input of every endpoint, runs nothing outside and writes nothing outside', async () => {
    const wrong: string[] = [];
    for (const c of cases()) {
      for (const input of c.inputs) {
        const r = await send(c.method, c.path, c.body(input));
        const refused = r.status >= 400 && REFUSED.test(r.text) && !r.text.includes(SECRET);
        if (!refused) wrong.push(`${c.endpoint} ${JSON.stringify(input)} → ${r.status} ${r.text.slice(0, 160)}`);
      }
    }
    expect(wrong).to.deep.equal([]);
    expect((await readdir(outside)).sort()).to.deep.equal(outsideBefore);
    expect(await readFile(join(outside, 'secret.py'), 'utf8')).to.include(SECRET);
    expect(await readdir(root)).not.to.include('escape.py');
  });

  it('left the plugin directory and the package as they were, and created no trigger', async () => {
    expect(await readFile(join(pluginDir, 'pkg', '__init__.py'), 'utf8')).to.include('return {"v": 1}');
    expect((await readdir(join(pluginDir, 'pkg'))).filter((f) => f !== '__pycache__')).to.deep.equal(['__init__.py']);
    const triggers = await send('POST', '/api/v3/query_sql', { db: 'pt', q: 'SELECT trigger_name FROM system.processing_engine_triggers' });
    expect(JSON.parse(triggers.text)).to.deep.equal([{ trigger_name: 'pkg_trigger' }]);
    const probe = await fetch(`${url}/api/v3/engine/x_probe`);
    expect(probe.status).to.equal(404);
  });

  it('inside the plugin directory the same endpoints work (the refusals are not blanket)', async () => {
    expect((await send('POST', '/api/v3/plugins/files', { plugin_name: 'sub/ok.py', content: 'def process_writes(influxdb3_local, table_batches, args=None):\n    influxdb3_local.info("inside")\n' })).status).to.equal(200);
    const dry = await send('POST', '/api/v3/plugin_test/wal', { filename: 'sub/ok.py', database: 'pt', input_lp: 'm v=1' });
    expect(dry.status, dry.text).to.equal(200);
    expect(dry.text).to.include('inside');
  });
});
