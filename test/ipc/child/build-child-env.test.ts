import { expect } from 'chai';
import { buildChildEnv, envGlob, filterEnv } from '../../../src/ipc/child/build-child-env.js';

describe('ipc/child/build-child-env', () => {
  const base = {
    PATH: '/usr/bin',
    HOME: '/root',
    TZ: 'Europe/Paris',
    INFLUXDB3_AUTH_TOKEN: 'apiv3_x',
    AWS_REGION: 'eu-west-1',
    AWS_SECRET_ACCESS_KEY: 's',
    TWILIO_AUTH_TOKEN: 't',
    aws_secret_lower: 'l',
    UNDEFINED_ONE: undefined,
  };

  it('inherits the whole environment by default, as upstream\'s in-process plugins do', () => {
    const env = buildChildEnv(base);
    expect(env).to.include({ PATH: '/usr/bin', INFLUXDB3_AUTH_TOKEN: 'apiv3_x', AWS_SECRET_ACCESS_KEY: 's', TWILIO_AUTH_TOKEN: 't' });
    expect(env).not.to.have.property('UNDEFINED_ONE');
  });

  it('drops names matching a deny glob, case-sensitively', () => {
    const env = filterEnv(base, { deny: ['AWS_SECRET_*', 'TWILIO_AUTH_TOKE?'], allow: null, hiddenValues: [] });
    expect(env).to.include({ AWS_REGION: 'eu-west-1', aws_secret_lower: 'l', INFLUXDB3_AUTH_TOKEN: 'apiv3_x' });
    expect(env).not.to.have.property('AWS_SECRET_ACCESS_KEY');
    expect(env).not.to.have.property('TWILIO_AUTH_TOKEN');
  });

  it('drops every variable whose value contains a hidden value, whatever its name', () => {
    const env = filterEnv({ ...base, INNOCENT: 'Bearer apiv3_x', OTHER: 'apiv3_y' }, { deny: [], allow: null, hiddenValues: ['apiv3_x', ''] });
    expect(env).not.to.have.property('INFLUXDB3_AUTH_TOKEN');
    expect(env).not.to.have.property('INNOCENT');
    expect(env).to.include({ OTHER: 'apiv3_y', PATH: '/usr/bin' });
  });

  it('with an allow list passes only what it names (deny and hidden values still apply)', () => {
    const env = filterEnv(base, { deny: ['AWS_SECRET_*'], allow: ['AWS_*', 'PATH'], hiddenValues: [] });
    expect(env).to.deep.equal({ AWS_REGION: 'eu-west-1', PATH: '/usr/bin' });
    expect(filterEnv(base, { deny: [], allow: [], hiddenValues: [] })).to.deep.equal({});
  });

  it('globs know only * and ?; every other character is literal', () => {
    expect(envGlob('A.B').test('AxB')).to.equal(false);
    expect(envGlob('A.B').test('A.B')).to.equal(true);
    expect(envGlob('X[1]*').test('X[1]_Y')).to.equal(true);
    expect(envGlob('*KEY').test('API_KEY')).to.equal(true);
    expect(envGlob('*KEY').test('API_KEY_ID')).to.equal(false);
    expect(envGlob('?').test('AB')).to.equal(false);
  });

  it('always sets UTC, unbuffered output and no bytecode, over the caller, the extras and the policy', () => {
    const env = buildChildEnv(base, { TZ: 'Asia/Tokyo', PYTHONPATH: '/opt/runner', PLUGIN_API_KEY: 'kept', HOME: undefined }, {
      deny: [], allow: ['NOTHING'], hiddenValues: [],
    });
    expect(env).to.deep.equal({ TZ: 'UTC', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: '/opt/runner', PLUGIN_API_KEY: 'kept' });
  });

  it('defaults to process.env', () => {
    expect(buildChildEnv().PATH).to.equal(process.env.PATH);
  });
});
