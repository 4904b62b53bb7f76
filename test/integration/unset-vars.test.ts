import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerHandle } from '../helpers/server-process.js';

// INFLUXDB3_UNSET_VARS, as a container uses it to turn off what the image's ENV turns on.
describe('server: INFLUXDB3_UNSET_VARS', function () {
  this.timeout(60_000);
  let server: ServerHandle | null = null;
  let plugins: string;
  beforeEach(() => (plugins = mkdtempSync(join(tmpdir(), 'unset-plugins-'))));
  afterEach(async () => {
    await server?.stop();
    server = null;
    rmSync(plugins, { recursive: true, force: true });
  });

  it('turns off the engine that an inherited INFLUXDB3_PLUGIN_DIR turns on', async () => {
    server = await startServer({ env: { INFLUXDB3_PLUGIN_DIR: plugins, INFLUXDB3_UNSET_VARS: 'INFLUXDB3_PLUGIN_DIR' } });
    expect(server.logs.join('\n')).to.include('processing engine disabled: no --plugin-dir');
  });

  it('leaves the engine on without it', async () => {
    server = await startServer({ env: { INFLUXDB3_PLUGIN_DIR: plugins } });
    expect(server.logs.join('\n')).not.to.include('processing engine disabled');
  });

  it('stops the start on a name that is no variable name, naming it', async () => {
    const err = await startServer({ env: { INFLUXDB3_UNSET_VARS: 'INFLUXDB3_PLUGIN_DIR,NOT-A-NAME' } }).catch((e: unknown) => e);
    expect(String(err)).to.include("invalid name 'NOT-A-NAME' in INFLUXDB3_UNSET_VARS");
  });
});
