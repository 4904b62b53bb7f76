import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialFileSecrets, pluginBaseEnv, pluginEnvPolicy } from '../../../src/engine/runners/plugin-env-policy.js';

describe('engine/runners/plugin-env-policy', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'env-policy-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const server = {
    PATH: '/usr/bin',
    INFLUXDB3_AUTH_TOKEN: 'apiv3_plugin_token',
    AWS_REGION: 'us-east-1',
    MY_DB_PASSWORD: 'hunter2',
    INFLUXDB3_ADMIN_TOKEN_FILE: '/etc/influxdb3/admin.json',
  };

  it('without options: the server\'s environment minus the admin token file variable', () => {
    const env = pluginBaseEnv(pluginEnvPolicy({ pluginEnvDeny: [], pluginEnvAllow: null, adminTokenFile: null }), server);
    expect(env).to.deep.equal({ PATH: '/usr/bin', INFLUXDB3_AUTH_TOKEN: 'apiv3_plugin_token', AWS_REGION: 'us-east-1', MY_DB_PASSWORD: 'hunter2' });
  });

  it('hides every variable holding the token of --admin-token-file', () => {
    const file = join(dir, 'admin.json');
    writeFileSync(file, JSON.stringify({ token: 'apiv3_the_admin_secret', name: '_admin' }));
    expect(credentialFileSecrets(file)).to.include('apiv3_the_admin_secret');
    const policy = pluginEnvPolicy({ pluginEnvDeny: [], pluginEnvAllow: null, adminTokenFile: file });
    const env = pluginBaseEnv(policy, { ...server, INFLUXDB3_AUTH_TOKEN: 'apiv3_the_admin_secret', COPY: 'x apiv3_the_admin_secret' });
    expect(env).not.to.have.property('INFLUXDB3_AUTH_TOKEN');
    expect(env).not.to.have.property('COPY');
    expect(env).to.include({ AWS_REGION: 'us-east-1' });
  });

  it('treats a non-JSON credential file\'s trimmed content as the secret; a missing file yields none', () => {
    const file = join(dir, 'plain');
    writeFileSync(file, '  s3cr3t\n');
    expect(credentialFileSecrets(file)).to.deep.equal(['s3cr3t']);
    expect(credentialFileSecrets(join(dir, 'missing'))).to.deep.equal([]);
  });

  it('applies --plugin-env-deny and --plugin-env-allow', () => {
    const denied = pluginBaseEnv(pluginEnvPolicy({ pluginEnvDeny: ['MY_*'], pluginEnvAllow: null, adminTokenFile: null }), server);
    expect(denied).not.to.have.property('MY_DB_PASSWORD');
    expect(denied).to.have.property('AWS_REGION');
    const allowed = pluginBaseEnv(pluginEnvPolicy({ pluginEnvDeny: [], pluginEnvAllow: ['AWS_*', 'INFLUXDB3_*'], adminTokenFile: null }), server);
    expect(allowed).to.deep.equal({ AWS_REGION: 'us-east-1', INFLUXDB3_AUTH_TOKEN: 'apiv3_plugin_token' });
  });
});
