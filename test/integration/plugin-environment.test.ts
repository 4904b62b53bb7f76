import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startServer } from '../helpers/server-process.js';
import { FIXTURE_DIR, pluginLogs, startPluginServer, waitForNoRunners } from '../fixtures/plugins/plugin-server.js';

const post = async (url: string, path: string, body: unknown) => {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any };
};

// The engine is on exactly when --plugin-dir is set; its Python is prepared in the background and a broken one
// never takes the server down.
describe('integration: processing engine on/off and its Python environment', function () {
  this.timeout(60_000);

  it('without --plugin-dir every plugin operation answers 500 naming the missing plugin directory', async () => {
    const server = await startServer();
    try {
      for (const path of ['/api/v3/plugin_test/wal', '/api/v3/plugin_test/schedule']) {
        const r = await post(server.url, path, { filename: 'x.py', database: 'db', input_lp: 'a b=1' });
        expect(r.status).to.equal(500);
        expect(r.json.error).to.include('Node not configured with plugin directory').and.include('No plugin directory');
      }
      const cli = await runCli(['test', 'schedule_plugin', '-H', server.url, '-d', 'db', 'x.py']);
      expect(cli.code).to.equal(1);
      expect(cli.stderr).to.include('Node not configured with plugin directory');
      expect(server.logs.join('\n')).to.include('processing engine disabled: no --plugin-dir');
    } finally {
      await server.stop();
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });

  it('an unusable venv location: plugin operations name the fix, the server keeps serving', async () => {
    const root = mkdtempSync(join(tmpdir(), 'influxdb3-badvenv-'));
    const notAVenv = join(root, 'not-a-venv');
    mkdirSync(notAVenv);
    writeFileSync(join(notAVenv, 'precious.txt'), 'do not touch');
    const server = await startServer({ args: ['--plugin-dir', FIXTURE_DIR, '--virtual-env-location', notAVenv] });
    try {
      const r = await post(server.url, '/api/v3/plugin_test/schedule', { filename: 'schedule_args.py', database: 'db' });
      expect(r.status).to.equal(503);
      expect(r.json.error).to.include('is not a python venv').and.include(`fix it with: rm -rf ${notAVenv}`);
      const write = await fetch(`${server.url}/api/v3/write_lp?db=db`, { method: 'POST', body: 'm v=1i 1' });
      expect(write.status).to.equal(204);
      expect(existsSync(join(notAVenv, 'precious.txt'))).to.equal(true);
    } finally {
      await server.stop();
      rmSync(server.dataDir, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('with only --plugin-dir, <plugin-dir>/.venv is built in the background while reads and writes are served', async () => {
    const s = await startPluginServer({ venv: false });
    try {
      const write = await fetch(`${s.url}/api/v3/write_lp?db=envdb`, { method: 'POST', body: 'm v=1i 1' });
      expect(write.status).to.equal(204);
      const dry = await s.schedule({ filename: 'schedule_args.py', database: 'envdb', input_arguments: { region: 'here' } });
      expect(pluginLogs(dry)).to.deep.equal(["INFO: args are {'region': 'here'}", 'INFO: Successfully called']);
      const listening = s.server.logs.findIndex((l) => l.includes('influxdb3-engine listening'));
      const ready = s.server.logs.findIndex((l) => l.includes('plugin python environment ready'));
      expect(listening).to.be.greaterThan(-1);
      expect(ready, 'environment prepared after the server listened').to.be.greaterThan(listening);
      expect(existsSync(join(s.pluginDir, '.venv', 'pyvenv.cfg'))).to.equal(true);
      expect(await waitForNoRunners(s.pluginDir)).to.deep.equal([]);
    } finally {
      await s.stop();
    }
  });
});
