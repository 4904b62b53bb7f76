import { expect } from 'chai';
import { startPluginServer, type PluginServer } from '../fixtures/plugins/plugin-server.js';
import { runCli } from '../helpers/server-process.js';
import { pollFor } from '../helpers/poll.js';

// The plugin registry through the server: system.plugins and system.plugin_files in _internal, `show plugins`, and
// the version each trigger loaded in system.processing_engine_triggers.
describe('integration: plugin registry', function () {
  this.timeout(40_000);
  let s: PluginServer;
  before(async () => {
    s = await startPluginServer();
    s.writePlugin('reg_a.py', 'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return "a1"\n');
    s.writePlugin('reg_pkg/__init__.py', 'from .util import x\ndef process_request(influxdb3_local, q, h, b, args=None):\n    return x()\n');
    s.writePlugin('reg_pkg/util.py', 'def x():\n    return "pkg"\n');
    await s.write('regdb', 'm v=1i 1');
    for (const [name, plugin] of [['ta', 'reg_a.py'], ['tp', 'reg_pkg']]) {
      const r = await s.post('/api/v3/configure/processing_engine_trigger', { db: 'regdb', trigger_name: name, plugin_filename: plugin, trigger_specification: `request:${name}` });
      expect(r.status, r.text).to.equal(200);
    }
  });
  after(async () => {
    await s?.stop();
  });

  const plugins = async () => (await s.query('_internal', "SELECT plugin_name, kind, source, version, file_count, used_by FROM system.plugins WHERE plugin_name LIKE 'reg_%' ORDER BY plugin_name")) as any[];

  it('lists every plugin with its kind, version and users, and the files of each trigger', async () => {
    const rows = await plugins();
    expect(rows.map((r) => [r.plugin_name, r.kind, r.source, r.file_count, r.used_by])).to.deep.equal([
      ['reg_a.py', 'file', 'local', 1, 'regdb/ta'],
      ['reg_pkg', 'package', 'local', 2, 'regdb/tp'],
    ]);
    expect(rows[0].version).to.match(/^[0-9a-f]{12}$/);
    const files = (await s.query('_internal', "SELECT plugin_name, file_name FROM system.plugin_files WHERE plugin_name = 'tp' ORDER BY file_name")) as any[];
    expect(files.map((f) => f.file_name)).to.deep.equal(['__init__.py', 'util.py']);
    const triggers = (await s.query('regdb', "SELECT trigger_name, plugin_version FROM system.processing_engine_triggers WHERE trigger_name = 'ta'")) as any[];
    expect(triggers[0].plugin_version).to.equal(rows[0].version);
  });

  it('a changed file gets a new version (from the watcher)', async () => {
    const before = (await plugins())[0].version;
    s.writePlugin('reg_a.py', 'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return "a2"\n');
    const after = await pollFor(async () => (await plugins())[0].version, (version) => version !== before, { timeoutMs: 5_000 });
    expect(after).to.not.equal(before);
    expect(await (await fetch(`${s.url}/api/v3/engine/ta`)).text()).to.equal('a2');
  });

  it('`influxdb3 show plugins` prints them', async () => {
    const out = await runCli(['show', 'plugins', '--host', s.url, '--format', 'json']);
    expect(out.code, out.stderr).to.equal(0);
    const rows = JSON.parse(out.stdout) as Array<{ plugin_name: string; used_by: string | null }>;
    expect(rows.find((r) => r.plugin_name === 'reg_pkg')?.used_by).to.equal('regdb/tp');
  });
});
