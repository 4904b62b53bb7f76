import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig } from '../../src/config/load.js';
import { unsetVars } from '../../src/config/process-mode.js';

const base = { objectStore: 'memory' };

describe('config: process nodes (--mode process) and INFLUXDB3_UNSET_VARS', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cfg-proc-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is a standalone server by default, with no upstream', () => {
    const c = loadServeConfig({ flags: base, env: {} });
    expect(c.mode).to.equal('standalone');
    expect(c.upstream).to.equal(null);
  });

  it('reads every upstream setting of a process node, from flags and variables', () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'apiv3_secret\n');
    const c = loadServeConfig({
      flags: { ...base, mode: 'process', pluginDir: dir, upstreamUrl: 'https://db.example.com:8181/', upstreamTokenFile: tokenFile, upstreamDatabaseMap: 'a=prod_a, b = prod_b' },
      env: { INFLUXDB3_UPSTREAM_WRITE_API: 'v1', INFLUXDB3_UPSTREAM_MAX_BACKLOG: '10MiB', INFLUXDB3_PROCESS_LOCAL_RETENTION: '2h' },
    });
    expect(c.mode).to.equal('process');
    expect(c.upstream).to.deep.equal({
      url: 'https://db.example.com:8181',
      token: 'apiv3_secret',
      databaseMap: { a: 'prod_a', b: 'prod_b' },
      tlsCaFile: null,
      org: null,
      writeApi: 'v1',
      queryApi: 'auto',
      maxBacklogBytes: 10 * 1024 * 1024,
      localRetentionMs: 2 * 3600_000,
    });
  });

  it('stops a process node without a plugin dir, naming the missing key', () => {
    expect(() => loadServeConfig({ flags: { ...base, mode: 'process', upstreamUrl: 'http://127.0.0.1:8181' }, env: {} }))
      .to.throw(/--mode process \(from --mode\) needs a plugin directory.*--plugin-dir/);
    expect(() => loadServeConfig({ flags: base, env: { INFLUXDB3_ENTERPRISE_MODE: 'process', INFLUXDB3_UPSTREAM_URL: 'http://x:1' } }))
      .to.throw(/INFLUXDB3_ENTERPRISE_MODE\) needs a plugin directory/);
  });

  it('stops a process node without an upstream, and names a bad URL', () => {
    expect(() => loadServeConfig({ flags: { ...base, mode: 'process', pluginDir: dir }, env: {} })).to.throw(/needs the InfluxDB that stores the data.*--upstream-url/);
    expect(() => loadServeConfig({ flags: { ...base, mode: 'process', pluginDir: dir, upstreamUrl: 'ftp://x' }, env: {} })).to.throw(/invalid value 'ftp:\/\/x' for --upstream-url/);
    expect(() => loadServeConfig({ flags: { ...base, mode: 'process', pluginDir: dir, upstreamUrl: 'not a url' }, env: {} })).to.throw(/invalid value 'not a url'/);
    expect(() => loadServeConfig({ flags: { ...base, mode: 'process', pluginDir: dir, upstreamUrl: 'http://u:p@x:1' }, env: {} })).to.throw(/no query, fragment or credentials/);
  });

  it('refuses upstream settings on a node that is not a process node', () => {
    expect(() => loadServeConfig({ flags: { ...base, upstreamUrl: 'http://127.0.0.1:8181' }, env: {} })).to.throw(/--upstream-url is only used by a process node, but the mode is 'all'/);
  });

  it('names bad database maps, a doubled token and an unreadable token file', () => {
    const flags = { ...base, mode: 'process', pluginDir: dir, upstreamUrl: 'http://127.0.0.1:8181' };
    expect(() => loadServeConfig({ flags: { ...flags, upstreamDatabaseMap: 'a' }, env: {} })).to.throw(/invalid item 'a' in --upstream-database-map/);
    expect(() => loadServeConfig({ flags: { ...flags, upstreamDatabaseMap: 'a=b,a=c' }, env: {} })).to.throw(/database 'a' is mapped twice/);
    expect(() => loadServeConfig({ flags: { ...flags, upstreamToken: 't', upstreamTokenFile: '/x' }, env: {} })).to.throw(/both --upstream-token and --upstream-token-file/);
    expect(() => loadServeConfig({ flags: { ...flags, upstreamTokenFile: join(dir, 'missing') }, env: {} })).to.throw(/cannot read the upstream token file/);
  });

  it('plays the Enterprise storage roles as one node, with a warning', () => {
    const c = loadServeConfig({ flags: { ...base, mode: 'ingest,query' }, env: {} });
    expect(c.mode).to.equal('standalone');
    expect(c.warnings.join('\n')).to.match(/ingest, query are InfluxDB 3 Enterprise storage roles/);
  });

  it('INFLUXDB3_UNSET_VARS removes inherited variables before the configuration is read', () => {
    const env = { INFLUXDB3_PLUGIN_DIR: dir, INFLUXDB3_UNSET_VARS: 'INFLUXDB3_PLUGIN_DIR' };
    expect(loadServeConfig({ flags: base, env }).pluginDir).to.equal(null);
    expect(env.INFLUXDB3_PLUGIN_DIR, 'the caller\'s object is left alone').to.equal(dir);
    const own: NodeJS.ProcessEnv = { A: '1', B: '2', INFLUXDB3_UNSET_VARS: ' A , C' };
    expect(unsetVars(own)).to.deep.equal(['A', 'C']);
    expect(own).to.deep.equal({ B: '2', INFLUXDB3_UNSET_VARS: ' A , C' });
    expect(() => unsetVars({ INFLUXDB3_UNSET_VARS: 'A,B-C' })).to.throw(/invalid name 'B-C' in INFLUXDB3_UNSET_VARS/);
  });
});
