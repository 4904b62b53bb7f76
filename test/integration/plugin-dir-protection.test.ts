import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestVenv } from '../fixtures/plugins/plugin-server.js';
import { removeDir, startServer, type ServerHandle } from '../helpers/server-process.js';
import { sendJson } from '../helpers/http.js';

// The plugin upload API writes under the plugin dir: it must never reach the data dir (catalog, WAL) or the plugin
// venv (code every runner imports). Through the real server.
describe('integration: plugin dir, data dir and venv stay apart', function () {
  this.timeout(120_000);
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'plugin-dir-protection-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('the server refuses to start when the plugin dir contains the data dir, naming the keys to change', async () => {
    const home = join(root, 'var-lib');
    const dataDir = join(home, 'data');
    await mkdir(dataDir, { recursive: true });
    const err = await startServer({ dataDir, args: ['--plugin-dir', home] }).then(
      (s) => s.stop().then(() => null),
      (e: Error) => e,
    );
    expect(err, 'the server started').to.be.instanceOf(Error);
    expect(err!.message).to.match(/plugin directory '.*var-lib', from --plugin-dir, contains the data directory '.*var-lib\/data', from --data-dir/);
    expect(err!.message).to.match(/set --plugin-dir \(plugin-dir in the TOML file, INFLUXDB3_PLUGIN_DIR\) or --data-dir/);
    expect(existsSync(join(dataDir, 'wal')), 'nothing was written to the data dir').to.equal(false);
  });

  describe('uploads', () => {
    let server: ServerHandle;
    let pluginDir: string;
    before(async () => {
      pluginDir = join(root, 'plugins');
      await mkdir(pluginDir);
      // The default venv location, inside the plugin dir.
      const venv = await buildTestVenv(join(pluginDir, '.venv'));
      server = await startServer({ args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv] });
      await symlink(join(pluginDir, '.venv'), join(pluginDir, 'looks_innocent'));
    });
    after(async () => {
      await server?.stop();
      if (server) removeDir(server.dataDir);
    });

    it('refuses a file that resolves into the plugin venv with a 400 naming the path', async () => {
      for (const name of ['.venv/lib/sitecustomize.py', 'looks_innocent/lib/sitecustomize.py']) {
        const r = await sendJson(`${server.url}/api/v3/plugins/files`, { plugin_name: name, content: 'import os' });
        expect(r.status, `${name}: ${r.text}`).to.equal(400);
        expect(r.text).to.include(`plugin path '${name}' resolves to '${join(pluginDir, '.venv', 'lib', 'sitecustomize.py')}', inside the plugin virtual environment`);
        expect(existsSync(join(pluginDir, '.venv', 'lib', 'sitecustomize.py'))).to.equal(false);
      }
    });

    it('refuses a trigger or a dry run whose plugin file lies in the plugin venv', async () => {
      // Code that sits in the venv (as an installed package's would), reached through the innocent-looking link.
      await writeFile(join(pluginDir, '.venv', 'evil.py'), 'def process_writes(influxdb3_local, table_batches, args=None):\n    pass\n');
      expect((await sendJson(`${server.url}/api/v3/configure/database`, { db: 'protect' })).status).to.equal(200);
      const name = 'looks_innocent/evil.py';
      const trigger = await sendJson(`${server.url}/api/v3/configure/processing_engine_trigger`, {
        db: 'protect', plugin_filename: name, trigger_name: 'venv_code', trigger_specification: 'request:venv_code',
        trigger_settings: { run_async: false, error_behavior: 'log' }, trigger_arguments: null, disabled: false,
      });
      expect(trigger.status, trigger.text).to.equal(400);
      expect(trigger.text).to.include('inside the plugin virtual environment');
      const dry = await sendJson(`${server.url}/api/v3/plugin_test/wal`, { database: 'protect', filename: name, input_lp: 'm v=1i 1' });
      expect(dry.status, dry.text).to.equal(400);
      expect(dry.text).to.include('inside the plugin virtual environment');
    });

    it('still accepts an ordinary upload', async () => {
      const r = await sendJson(`${server.url}/api/v3/plugins/files`, { plugin_name: 'ok.py', content: 'x = 1\n' });
      expect(r.status, r.text).to.equal(200);
      expect(existsSync(join(pluginDir, 'ok.py'))).to.equal(true);
    });
  });
});
