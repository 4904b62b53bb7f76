import { expect } from 'chai';
import { buildChildEnv } from '../../../src/ipc/child/build-child-env.js';

describe('ipc/child/build-child-env', () => {
  const base = {
    PATH: '/usr/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    TZ: 'Europe/Paris',
    INFLUXDB3_AUTH_TOKEN: 'apiv3_x',
    INFLUXDB3_NODE_IDENTIFIER_PREFIX: 'node0',
    AWS_SECRET_ACCESS_KEY: 's',
    AWS_ACCESS_KEY_ID: 'k',
    GITHUB_TOKEN: 't',
    db_password: 'p',
    GOOGLE_APPLICATION_CREDENTIALS: '/c.json',
    SSH_AUTH_SOCK: '/tmp/agent',
    PRIVATE_THING: 'x',
    UNDEFINED_ONE: undefined,
  };

  it('keeps ordinary variables and strips everything secret-looking', () => {
    const env = buildChildEnv(base);
    expect(env).to.include({ PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', INFLUXDB3_NODE_IDENTIFIER_PREFIX: 'node0' });
    for (const name of ['INFLUXDB3_AUTH_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'GITHUB_TOKEN', 'db_password',
      'GOOGLE_APPLICATION_CREDENTIALS', 'SSH_AUTH_SOCK', 'PRIVATE_THING', 'UNDEFINED_ONE']) {
      expect(env, name).not.to.have.property(name);
    }
  });

  it('always sets UTC, unbuffered output and no bytecode, over the caller and extras', () => {
    const env = buildChildEnv(base, { TZ: 'Asia/Tokyo', PYTHONPATH: '/opt/runner', PLUGIN_API_KEY: 'kept', HOME: undefined });
    expect(env).to.include({ TZ: 'UTC', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: '/opt/runner' });
    expect(env.PLUGIN_API_KEY).to.equal('kept');
    expect(env).not.to.have.property('HOME');
  });

  it('defaults to process.env', () => {
    expect(buildChildEnv().PATH).to.equal(process.env.PATH);
  });
});
