import { expect } from 'chai';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig } from '../../src/config/load.js';

describe('config/load', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses defaults', () => {
    const c = loadServeConfig({ flags: { objectStore: 'memory' }, env: {} });
    expect(c.httpHost).to.equal('0.0.0.0');
    expect(c.httpPort).to.equal(8181);
    expect(c.walFlushIntervalMs).to.equal(1000);
    expect(c.maxHttpRequestSize).to.equal(10_485_760);
    expect(c.pluginDir).to.equal(null);
    expect(c.packageManager).to.equal('discover');
  });

  it('applies precedence flags > env > file', () => {
    const file = join(dir, 'c.toml');
    writeFileSync(file, 'http-bind = "127.0.0.1:1000"\nwal-flush-interval = "5s"\nnode-id = "from-file"\nobject-store = "memory"\n');
    const c = loadServeConfig({
      flags: { httpBind: '127.0.0.1:3000' },
      env: { INFLUXDB3_HTTP_BIND_ADDR: '127.0.0.1:2000', INFLUXDB3_WAL_FLUSH_INTERVAL: '2s' },
      configFile: file,
    });
    expect(c.httpPort).to.equal(3000);
    expect(c.walFlushIntervalMs).to.equal(2000);
    expect(c.nodeId).to.equal('from-file');
    expect(c.objectStore).to.equal('memory');
  });

  it('reads INFLUXDB3_CONFIG_FILE', () => {
    const file = join(dir, 'c.toml');
    writeFileSync(file, 'object-store = "memory"\nlog-filter = "debug"\n');
    const c = loadServeConfig({ flags: {}, env: { INFLUXDB3_CONFIG_FILE: file } });
    expect(c.logFilter).to.equal('debug');
  });

  it('rejects unknown keys naming the key', () => {
    const file = join(dir, 'c.toml');
    writeFileSync(file, 'object-store = "memory"\nplugin-dirr = "/x"\n');
    expect(() => loadServeConfig({ flags: {}, env: {}, configFile: file })).to.throw("unknown key 'plugin-dirr'");
  });

  it('rejects bad values naming key, value and accepted forms', () => {
    expect(() => loadServeConfig({ flags: { objectStore: 's4' }, env: {} })).to.throw("invalid value 's4' for --object-store: expected one of memory, file");
    expect(() => loadServeConfig({ flags: { objectStore: 'memory' }, env: { INFLUXDB3_WAL_FLUSH_INTERVAL: 'soon' } })).to.throw(
      "invalid value 'soon' for environment variable INFLUXDB3_WAL_FLUSH_INTERVAL",
    );
    expect(() => loadServeConfig({ flags: { objectStore: 'memory', httpBind: 'nope' }, env: {} })).to.throw("invalid value 'nope' for --http-bind");
    expect(() => loadServeConfig({ flags: { objectStore: 'memory', restrictPluginTriggersTo: 'wal,cron' }, env: {} })).to.throw('comma-separated list of wal');
  });

  it('needs a data dir for the file object store', () => {
    expect(() => loadServeConfig({ flags: { objectStore: 'file' }, env: {} })).to.throw('needs --data-dir');
  });

  it('keeps the engine on with an empty plugin dir, with a warning', () => {
    const c = loadServeConfig({ flags: { objectStore: 'memory' }, env: { INFLUXDB3_PLUGIN_DIR: '' } });
    expect(c.pluginDir).to.not.equal(null);
    expect(c.warnings.join(' ')).to.match(/unset INFLUXDB3_PLUGIN_DIR/);
  });

  it('reads the plugin isolation options with their defaults', () => {
    const d = loadServeConfig({ flags: { objectStore: 'memory' }, env: {} });
    expect(d.pluginSandbox).to.equal('auto');
    expect(d.pluginNetwork).to.equal('host');
    expect(d.pluginCpuLimit).to.equal(0);
    expect(d.pluginMaxProcesses).to.equal(64);
    expect(d.pluginEnvDeny).to.deep.equal([]);
    expect(d.pluginEnvAllow).to.equal(null);
    expect(d.pluginWalBacklogMaxBytes).to.equal(1024 ** 3);
    const c = loadServeConfig({
      flags: { objectStore: 'memory', pluginSandbox: 'strict', pluginEnvDeny: 'AWS_SECRET_*, My_Key' },
      env: { INFLUXDB3_PLUGIN_NETWORK: 'none', INFLUXDB3_PLUGIN_CPU_LIMIT: '0.5', INFLUXDB3_PLUGIN_ENV_ALLOW: 'PATH,AWS_REGION' },
    });
    expect(c.pluginSandbox).to.equal('strict');
    expect(c.pluginNetwork).to.equal('none');
    expect(c.pluginCpuLimit).to.equal(0.5);
    expect(c.pluginEnvDeny, 'globs keep their case').to.deep.equal(['AWS_SECRET_*', 'My_Key']);
    expect(c.pluginEnvAllow).to.deep.equal(['PATH', 'AWS_REGION']);
  });

  it('rejects a bad sandbox mode or CPU limit, naming the value', () => {
    expect(() => loadServeConfig({ flags: { objectStore: 'memory', pluginSandbox: 'paranoid' }, env: {} })).to.throw(
      /invalid value 'paranoid' for --plugin-sandbox: expected one of auto, strict, off/,
    );
    expect(() => loadServeConfig({ flags: { objectStore: 'memory', pluginCpuLimit: 'half' }, env: {} })).to.throw(
      /invalid value 'half' for --plugin-cpu-limit/,
    );
  });

  it('reads the runner idle timeouts: durations, or never/0 to keep runners; a bad one is named', () => {
    const d = loadServeConfig({ flags: { objectStore: 'memory' }, env: {} });
    expect(d.pluginRunnerIdleTimeoutMs).to.equal(60_000);
    expect(d.pluginRequestRunnerIdleTimeoutMs).to.equal(null);
    const c = loadServeConfig({
      flags: { objectStore: 'memory', pluginRunnerIdleTimeout: 'never' },
      env: { INFLUXDB3_PLUGIN_REQUEST_RUNNER_IDLE_TIMEOUT: '15m' },
    });
    expect(c.pluginRunnerIdleTimeoutMs).to.equal(null);
    expect(c.pluginRequestRunnerIdleTimeoutMs).to.equal(900_000);
    expect(loadServeConfig({ flags: { objectStore: 'memory', pluginRunnerIdleTimeout: '0' }, env: {} }).pluginRunnerIdleTimeoutMs).to.equal(null);
    expect(loadServeConfig({ flags: { objectStore: 'memory', pluginRunnerIdleTimeout: '2m 30s' }, env: {} }).pluginRunnerIdleTimeoutMs).to.equal(150_000);
    expect(() => loadServeConfig({ flags: { objectStore: 'memory', pluginRunnerIdleTimeout: 'soon' }, env: {} })).to.throw(
      /invalid value 'soon' for --plugin-runner-idle-timeout: expected a duration such as 30s, 5m or 1h, or never \(0\)/,
    );
    expect(() => loadServeConfig({ flags: { objectStore: 'memory' }, env: { INFLUXDB3_PLUGIN_REQUEST_RUNNER_IDLE_TIMEOUT: '-1s' } })).to.throw(
      /invalid value '-1s' for .*INFLUXDB3_PLUGIN_REQUEST_RUNNER_IDLE_TIMEOUT/,
    );
  });

  it('takes absolute writable plugin paths and refuses one that overlaps the data dir', () => {
    const c = loadServeConfig({ flags: { objectStore: 'file', dataDir: join(dir, 'data'), pluginWritablePaths: join(dir, 'exports') }, env: {} });
    expect(c.pluginWritablePaths).to.deep.equal([join(dir, 'exports')]);
    expect(() => loadServeConfig({ flags: { objectStore: 'file', dataDir: join(dir, 'data'), pluginWritablePaths: dir }, env: {} })).to.throw(
      new RegExp(`invalid value '${dir}' for --plugin-writable-paths: it overlaps the data directory`),
    );
    expect(() => loadServeConfig({ flags: { objectStore: 'memory', pluginWritablePaths: 'exports' }, env: {} })).to.throw(
      /invalid value 'exports' for --plugin-writable-paths: expected absolute directory paths/,
    );
  });

  it('maps wal_flush to wal in trigger restrictions', () => {
    const c = loadServeConfig({ flags: { objectStore: 'memory', restrictPluginTriggersTo: 'wal_flush,schedule' }, env: {} });
    expect(c.restrictPluginTriggersTo).to.deep.equal(['wal', 'schedule']);
  });
});
