import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runnerPids, startPluginServer, waitForNoRunners, type PluginServer } from '../fixtures/plugins/plugin-server.js';
import { pollUntil } from '../helpers/poll.js';
import { pluginSource } from '../fixtures/plugins/sources.js';

// The cancellation contract: on disable, delete and shutdown, the plugin's next logging/query/write call
// raises KeyboardInterrupt("influxdb3 is shutting down; aborting plugin execution"), and the runner then exits.
const LOOPER = pluginSource('trigger-cancellation', 'looper.py');

const WAIT = { timeoutMs: 8_000, intervalMs: 50 };
const MESSAGE = 'KeyboardInterrupt: influxdb3 is shutting down; aborting plugin execution';


describe('integration: cancellation of running plugin calls', function () {
  this.timeout(40_000);
  let s: PluginServer;
  before(async () => {
    s = await startPluginServer();
    s.writePlugin('looper.py', LOOPER);
    await s.write('cancel', 'm v=1i');
  });
  after(async () => {
    await s?.stop();
  });

  async function startLooping(name: string): Promise<{ marker: string; answer: Promise<Response> }> {
    const marker = join(s.root, `${name}.marker`);
    const created = await s.post('/api/v3/configure/processing_engine_trigger', {
      db: 'cancel',
      plugin_filename: 'looper.py',
      trigger_name: name,
      trigger_specification: `request:${name}`,
      trigger_arguments: { marker },
    });
    expect(created.status, created.text).to.equal(200);
    const answer = fetch(`${s.url}/api/v3/engine/${name}`, { method: 'POST' });
    // The plugin is running once its ticks reach the log store.
    const ticks = async (): Promise<boolean> =>
      (await s.query('cancel', `SELECT log_text FROM system.processing_engine_logs WHERE trigger_name = '${name}' AND log_text = 'tick'`)).length > 0;
    await pollUntil(ticks, `${name} to tick`, WAIT);
    return { marker, answer };
  }

  it('disable interrupts the running call with KeyboardInterrupt and stops its runner', async () => {
    const { marker, answer } = await startLooping('dis');
    const res = await fetch(`${s.url}/api/v3/configure/processing_engine_trigger/disable?db=cancel&trigger_name=dis`, { method: 'POST' });
    expect(res.status).to.equal(200);
    await pollUntil(() => existsSync(marker), 'the marker file', WAIT);
    expect(readFileSync(marker, 'utf8')).to.equal(MESSAGE);
    expect((await answer).status).to.be.oneOf([500, 503]);
  });

  it('delete --force does the same', async () => {
    const { marker, answer } = await startLooping('del');
    const res = await fetch(`${s.url}/api/v3/configure/processing_engine_trigger?db=cancel&trigger_name=del&force=true`, { method: 'DELETE' });
    expect(res.status).to.equal(200);
    await pollUntil(() => existsSync(marker), 'the marker file', WAIT);
    expect(readFileSync(marker, 'utf8')).to.equal(MESSAGE);
    await answer;
  });

  it('server shutdown interrupts running calls and leaves no runner behind', async () => {
    const { marker, answer } = await startLooping('shut');
    expect(runnerPids(s.pluginDir).length).to.be.greaterThan(0);
    answer.catch(() => undefined);
    const code = await s.server.stop('SIGTERM');
    expect(code).to.equal(0);
    expect(readFileSync(marker, 'utf8')).to.equal(MESSAGE);
    expect(await waitForNoRunners(s.pluginDir)).to.deep.equal([]);
  });
});
