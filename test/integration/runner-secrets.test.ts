import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateToken } from '../../src/auth/token-secret.js';
import { pipEnvironment } from '../../src/engine/environment/package-installer.js';
import { buildTestVenv } from '../fixtures/plugins/plugin-server.js';
import { removeDir, startServer, type ServerHandle } from '../helpers/server-process.js';

// Issue 7: plugin runners never see the server's tokens or secrets in their environment. A real server is started
// with INFLUXDB3_AUTH_TOKEN, an admin token file and secret-looking variables set; plugins dump os.environ through a
// dry run and a live request trigger.
const DUMP = `import json, os

def process_writes(influxdb3_local, table_batches, args=None):
    influxdb3_local.info("ENV " + json.dumps(dict(os.environ)))

def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):
    return dict(os.environ)
`;

describe('integration: runners never see the server\'s secrets', function () {
  this.timeout(120_000);
  let root: string;
  let server: ServerHandle;
  let admin: string;
  const secrets: Record<string, string> = {};

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };

  const check = (env: Record<string, string>): void => {
    expect(env.PATH, 'the dump works').to.be.a('string');
    for (const name of Object.keys(secrets)) expect(env, name).not.to.have.property(name);
    const values = Object.values(env).join('\n');
    for (const [name, value] of Object.entries(secrets)) expect(values.includes(value), `the value of ${name}`).to.equal(false);
    expect(values.includes(admin), 'the admin token').to.equal(false);
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'runner-secrets-'));
    const pluginDir = join(root, 'plugins');
    await mkdir(pluginDir);
    await writeFile(join(pluginDir, 'env_dump.py'), DUMP);
    admin = generateToken();
    const tokenFile = join(root, 'admin-token.json');
    await writeFile(tokenFile, JSON.stringify({ token: admin, name: '_admin' }), { mode: 0o600 });
    const nonce = randomBytes(8).toString('hex');
    Object.assign(secrets, {
      INFLUXDB3_AUTH_TOKEN: generateToken(),
      INFLUXDB3_ADMIN_TOKEN_FILE: tokenFile,
      MY_DB_PASSWORD: `hunter2-${nonce}`,
      AWS_SECRET_ACCESS_KEY: `aws-secret-${nonce}`,
      AZURE_STORAGE_ACCESS_KEY: `azure-${nonce}`,
      GOOGLE_SERVICE_ACCOUNT_CREDENTIALS: `gcp-${nonce}`,
      PLUGIN_API_KEY: `api-key-${nonce}`,
    });
    const venv = await buildTestVenv(join(root, 'venv'));
    server = await startServer({ withoutAuth: false, env: secrets, args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv] });
    expect((await api('POST', '/api/v3/configure/database', { db: 'envdb' })).status).to.equal(200);
  });

  after(async () => {
    await server?.stop();
    if (server) removeDir(server.dataDir);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('a dry run sees none of them', async () => {
    const r = await api('POST', '/api/v3/plugin_test/wal', { filename: 'env_dump.py', database: 'envdb', input_lp: 'm v=1' });
    expect(r.status, r.text).to.equal(200);
    const line = (JSON.parse(r.text).log_lines as string[]).find((l) => l.includes('ENV {'));
    expect(line, r.text).to.be.a('string');
    check(JSON.parse(line!.slice(line!.indexOf('{'))) as Record<string, string>);
  });

  it('a long-lived trigger runner sees none of them', async () => {
    const created = await api('POST', '/api/v3/configure/processing_engine_trigger', {
      db: 'envdb', trigger_name: 'env_dump', plugin_filename: 'env_dump.py', trigger_specification: 'request:env', trigger_settings: {}, disabled: false,
    });
    expect(created.status, created.text).to.equal(200);
    const r = await api('GET', '/api/v3/engine/env');
    expect(r.status, r.text).to.equal(200);
    check(JSON.parse(r.text) as Record<string, string>);
  });

  it('neither does pip when it installs packages', () => {
    const env = pipEnvironment({ PATH: '/usr/bin', ...secrets });
    expect(env.PATH).to.equal('/usr/bin');
    for (const name of Object.keys(secrets)) expect(env, name).not.to.have.property(name);
  });
});
