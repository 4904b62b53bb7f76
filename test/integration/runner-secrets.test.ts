import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateToken } from '../../src/auth/token-secret.js';
import { buildTestVenv } from '../fixtures/plugins/plugin-server.js';
import { removeDir, startServer, type ServerHandle } from '../helpers/server-process.js';
import { pluginSource } from '../fixtures/plugins/sources.js';

// Plugin runners see the server's environment as upstream's in-process plugins do (documented plugins read
// INFLUXDB3_AUTH_TOKEN, AWS_*, … from it), minus the server's own credentials (the --admin-token-file token, wherever
// it appears) and what --plugin-env-deny names; --plugin-env-allow passes only what it names. A real server is started
// with these variables set; plugins dump os.environ through a dry run and a live request trigger.
const DUMP = pluginSource('runner-secrets', 'env_dump.py');

interface Started {
  root: string;
  server: ServerHandle;
  admin: string;
  serverEnv: Record<string, string>;
}

async function startWithEnv(args: string[]): Promise<Started> {
  const root = await mkdtemp(join(tmpdir(), 'runner-secrets-'));
  const pluginDir = join(root, 'plugins');
  await mkdir(pluginDir);
  await writeFile(join(pluginDir, 'env_dump.py'), DUMP);
  const admin = generateToken();
  const tokenFile = join(root, 'admin-token.json');
  await writeFile(tokenFile, JSON.stringify({ token: admin, name: '_admin' }), { mode: 0o600 });
  const nonce = randomBytes(8).toString('hex');
  const serverEnv = {
    INFLUXDB3_AUTH_TOKEN: generateToken(),
    AWS_REGION: 'eu-west-3',
    AWS_SECRET_ACCESS_KEY: `aws-secret-${nonce}`,
    TWILIO_AUTH_TOKEN: `twilio-${nonce}`,
    HX_DENIED_PASSWORD: `denied-${nonce}`,
    // The admin token under an innocent name: hidden by its value.
    SOME_COPY_OF_ADMIN: `Bearer ${admin}`,
  };
  const venv = await buildTestVenv(join(root, 'venv'));
  const server = await startServer({
    withoutAuth: false,
    env: serverEnv,
    args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv, '--admin-token-file', tokenFile, ...args],
  });
  return { root, server, admin, serverEnv };
}

async function stopStarted(s: Started | undefined): Promise<void> {
  if (!s) return;
  await s.server.stop();
  removeDir(s.server.dataDir);
  await rm(s.root, { recursive: true, force: true });
}

async function api(s: Started, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${s.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.admin}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

async function dryRunEnv(s: Started): Promise<Record<string, string>> {
  expect((await api(s, 'POST', '/api/v3/configure/database', { db: 'envdb' })).status).to.be.oneOf([200, 409]);
  const r = await api(s, 'POST', '/api/v3/plugin_test/wal', { filename: 'env_dump.py', database: 'envdb', input_lp: 'm v=1' });
  expect(r.status, r.text).to.equal(200);
  const line = (JSON.parse(r.text).log_lines as string[]).find((l) => l.includes('ENV {'));
  expect(line, r.text).to.be.a('string');
  return JSON.parse(line!.slice(line!.indexOf('{'))) as Record<string, string>;
}

async function triggerEnv(s: Started): Promise<Record<string, string>> {
  const created = await api(s, 'POST', '/api/v3/configure/processing_engine_trigger', {
    db: 'envdb', trigger_name: 'env_dump', plugin_filename: 'env_dump.py', trigger_specification: 'request:env', trigger_settings: {}, disabled: false,
  });
  expect(created.status, created.text).to.equal(200);
  const r = await api(s, 'GET', '/api/v3/engine/env');
  expect(r.status, r.text).to.equal(200);
  return JSON.parse(r.text) as Record<string, string>;
}

describe('integration: the plugin environment (inherited, minus the server\'s credentials and --plugin-env-deny)', function () {
  this.timeout(120_000);
  let s: Started;

  before(async () => {
    s = await startWithEnv(['--plugin-env-deny', 'HX_DENIED_*']);
  });
  after(() => stopStarted(s));

  const check = (env: Record<string, string>): void => {
    expect(env.PATH, 'the dump works').to.be.a('string');
    expect(env).to.include({
      INFLUXDB3_AUTH_TOKEN: s.serverEnv.INFLUXDB3_AUTH_TOKEN,
      AWS_REGION: 'eu-west-3',
      AWS_SECRET_ACCESS_KEY: s.serverEnv.AWS_SECRET_ACCESS_KEY,
      TWILIO_AUTH_TOKEN: s.serverEnv.TWILIO_AUTH_TOKEN,
    });
    expect(env, 'denied by --plugin-env-deny').not.to.have.property('HX_DENIED_PASSWORD');
    expect(env, 'holds the admin token').not.to.have.property('SOME_COPY_OF_ADMIN');
    expect(env, 'names the server\'s token file').not.to.have.property('INFLUXDB3_ADMIN_TOKEN_FILE');
    const values = Object.values(env).join('\n');
    expect(values.includes(s.admin), 'the admin token file\'s token').to.equal(false);
    expect(values.includes(s.serverEnv.HX_DENIED_PASSWORD), 'the denied value').to.equal(false);
  };

  it('a dry run sees the documented variables and none of the hidden ones', async () => {
    check(await dryRunEnv(s));
  });

  it('a long-lived trigger runner sees the same', async () => {
    check(await triggerEnv(s));
  });
});

describe('integration: --plugin-env-allow passes only what it names', function () {
  this.timeout(120_000);
  let s: Started;

  before(async () => {
    s = await startWithEnv(['--plugin-env-allow', 'AWS_REGION,TWILIO_*']);
  });
  after(() => stopStarted(s));

  const check = (env: Record<string, string>): void => {
    expect(env).to.include({ AWS_REGION: 'eu-west-3', TWILIO_AUTH_TOKEN: s.serverEnv.TWILIO_AUTH_TOKEN, TZ: 'UTC' });
    // Nothing else of the server's environment (the runner's own PYTHONPATH, PLUGIN_DIR, … are set by the server;
    // bwrap sets PWD to the directory it starts the runner in).
    const serverNames = new Set([...Object.keys(process.env), ...Object.keys(s.serverEnv)]);
    const own = ['AWS_REGION', 'TWILIO_AUTH_TOKEN', 'TZ', 'PYTHONPATH', 'PYTHONUNBUFFERED', 'PYTHONDONTWRITEBYTECODE', 'PLUGIN_DIR', 'PWD'];
    const leaked = Object.keys(env).filter((name) => serverNames.has(name) && !own.includes(name));
    expect(leaked).to.deep.equal([]);
    expect(env).not.to.have.property('INFLUXDB3_AUTH_TOKEN');
    expect(env).not.to.have.property('AWS_SECRET_ACCESS_KEY');
  };

  it('a dry run sees only the allowed variables', async () => {
    check(await dryRunEnv(s));
  });

  it('a trigger runner sees only the allowed variables', async () => {
    check(await triggerEnv(s));
  });
});
