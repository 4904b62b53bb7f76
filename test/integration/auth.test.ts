import { expect } from 'chai';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateToken } from '../../src/auth/token-secret.js';
import { removeDir, runCli, startServer, type ServerHandle } from '../helpers/server-process.js';
import { fetchAnswer, type HttpAnswer } from '../helpers/http.js';

// Token authentication and authorization through the real server and bin/influxdb3 (docs/auth.md).
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(url: string, init: { method?: string; token?: string; auth?: string; body?: unknown; raw?: string } = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.auth) headers.authorization = init.auth;
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  return fetchAnswer(url, { method: init.method ?? 'GET', headers, body });
}

// The token from `create token` text output (upstream's layout).
function tokenOf(stdout: string): string {
  const m = /^Token: (apiv3_\S+)$/m.exec(stdout);
  if (!m) throw new Error(`no token in:\n${stdout}`);
  return m[1]!;
}

describe('integration: authentication and authorization', function () {
  this.timeout(120_000);

  describe('a server with auth on (the default)', () => {
    let s: ServerHandle;
    let url: string;
    let admin: string;
    const cli = (args: string[], input?: string) => runCli([...args, '--host', url], input);

    before(async () => {
      s = await startServer({ withoutAuth: false });
      url = s.url;
    });
    after(async () => {
      await s?.stop();
      removeDir(s.dataDir);
    });

    it('logs that no admin token exists yet, and answers 401 without a token', async () => {
      expect(s.logs.join('\n')).to.include('there is no admin token yet');
      const r = await call(`${url}/api/v3/configure/database?format=json`);
      expect(r.status).to.equal(401);
      expect(r.json).to.deep.equal({ error: 'the request was not authenticated: missing token (send Authorization: Bearer <token>)' });
      expect((await call(`${url}/health`)).status).to.equal(401);
    });

    it('create token --admin makes the operator token once, unauthenticated (201), then 409', async () => {
      const r = await cli(['create', 'token', '--admin']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^\nNew token created successfully!\n\nToken: apiv3_[A-Za-z0-9_-]{86}\nHTTP Requests Header: Authorization: Bearer apiv3_/);
      expect(r.stdout).to.include('IMPORTANT: Store this token securely, as it will not be shown again.');
      admin = tokenOf(r.stdout);
      const again = await call(`${url}/api/v3/configure/token/admin`, { method: 'POST' });
      expect(again.status).to.equal(409);
      expect(again.json).to.deep.equal({ error: 'token name already exists, _admin' });
    });

    it('accepts the token as Bearer, Token, Basic and (v1) ?p=', async () => {
      expect((await call(`${url}/health`, { token: admin })).status).to.equal(200);
      expect((await call(`${url}/health`, { auth: `Token ${admin}` })).status).to.equal(200);
      expect((await call(`${url}/health`, { auth: `Basic ${Buffer.from(`me:${admin}`).toString('base64')}` })).status).to.equal(200);
      const v1 = await call(`${url}/write?db=foo&u=me&p=${admin}`, { method: 'POST', raw: 'cpu v=1 1' });
      expect(v1.status, v1.text).to.equal(204);
      expect((await call(`${url}/api/v3/write_lp?db=foo&p=${admin}`, { method: 'POST', raw: 'cpu v=1 2' })).status, '?p= is for v1 only').to.equal(401);
      expect((await call(`${url}/health`, { token: 'apiv3_wrong' })).json).to.deep.equal({ error: 'the request was not authenticated: invalid token' });
      expect((await call(`${url}/health`, { auth: 'Digest x' })).status).to.equal(400);
    });

    it('the HTTP create response is upstream\'s {id, name, token, hash, created_at, expiry}', async () => {
      const r = await call(`${url}/api/v3/configure/token/named_admin`, { method: 'POST', token: admin, body: { token_name: 'http-admin', expiry_secs: 3600 } });
      expect(r.status).to.equal(201);
      expect(Object.keys(r.json)).to.deep.equal(['id', 'name', 'token', 'hash', 'created_at', 'expiry']);
      expect(r.json.hash).to.match(/^[0-9a-f]{128}$/);
      expect(Date.parse(r.json.expiry) - Date.parse(r.json.created_at)).to.equal(3_600_000);
      expect((await call(`${url}/api/v3/configure/token/named_admin`, { method: 'POST', token: admin, body: { token_name: 'http-admin' } })).status).to.equal(409);
    });

    it('database tokens: read and write only their databases, nothing admin', async () => {
      await call(`${url}/api/v3/write_lp?db=other`, { method: 'POST', token: admin, raw: 'secret v=42 1' });
      const created = await cli(['create', 'token', '--permission', 'db:foo:read,write', '--permission', 'db:logs:write', '--name', 'app', '--token', admin, '--format', 'json']);
      expect(created.code, created.stderr).to.equal(0);
      const app = JSON.parse(created.stdout).token as string;
      expect((await call(`${url}/api/v3/write_lp?db=foo`, { method: 'POST', token: app, raw: 'cpu v=2 3' })).status).to.equal(204);
      expect((await call(`${url}/api/v3/write_lp?db=logs`, { method: 'POST', token: app, raw: 'line v=1 3' })).status).to.equal(204);
      expect((await call(`${url}/api/v2/write?bucket=foo`, { method: 'POST', token: app, raw: 'cpu v=3 4' })).status).to.equal(204);
      const q = await call(`${url}/api/v3/query_sql?db=foo&q=${encodeURIComponent('SELECT count(*) AS n FROM cpu')}`, { token: app });
      expect(q.status, q.text).to.equal(200);
      expect(q.json).to.deep.equal([{ n: 3 }]);
      const denied = await call(`${url}/api/v3/query_sql?db=other&q=SELECT+1`, { token: app });
      expect(denied.status).to.equal(403);
      expect(denied.json).to.deep.equal({ error: "unauthorized to perform requested action with the token: this needs read permission on database 'other'" });
      expect((await call(`${url}/api/v3/query_sql?db=logs&q=SELECT+1`, { token: app })).status, 'write-only on logs').to.equal(403);
      expect((await call(`${url}/api/v3/write_lp?db=other`, { method: 'POST', token: app, raw: 'x v=1' })).status).to.equal(403);
      // The body's db is what POST query_sql runs against; a query-string db cannot launder it.
      const laundered = await call(`${url}/api/v3/query_sql?db=foo`, { method: 'POST', token: app, body: { db: 'other', q: 'SELECT * FROM secret' } });
      expect(laundered.status).to.equal(403);
      expect((await call(`${url}/api/v3/query_sql?db=foo&db=other&q=SELECT+1`, { token: app })).status, 'a repeated db').to.equal(403);
      const posted = await call(`${url}/api/v3/query_sql`, { method: 'POST', token: app, body: { db: 'foo', q: 'SELECT count(*) AS n FROM cpu' } });
      expect(posted.json).to.deep.equal([{ n: 3 }]);
      expect((await call(`${url}/api/v3/query_sql?db=_internal&q=SELECT+1`, { token: app })).status, '_internal is admin only').to.equal(403);
      // InfluxQL: a form (or untyped) body's db counts too, and a statement stays in the request's database.
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', '']) {
        const res = await fetch(`${url}/query?db=foo`, {
          method: 'POST', headers: { authorization: `Bearer ${app}`, ...(type ? { 'content-type': type } : {}) }, body: 'db=other&q=SELECT+*+FROM+secret',
        });
        expect(res.status, `form body as '${type}'`).to.equal(403);
      }
      const multipart = new FormData();
      multipart.set('db', 'other');
      multipart.set('q', 'SELECT * FROM secret');
      const viaMultipart = await fetch(`${url}/query?db=foo`, { method: 'POST', headers: { authorization: `Bearer ${app}` }, body: multipart });
      expect(viaMultipart.status, "a multipart body's db counts").to.equal(403);
      const crossDb = await call(`${url}/query?db=foo&q=${encodeURIComponent('SELECT * FROM "other".."secret"')}`, { token: app });
      expect(crossDb.status).to.be.oneOf([200, 400]);
      expect(crossDb.text).not.to.include('42');
      // SHOW DATABASES names only what the token may touch; SQL functions cannot reach another database either.
      const shown = await call(`${url}/query?db=foo&q=SHOW+DATABASES`, { token: app });
      expect(shown.status, shown.text).to.equal(200);
      expect(shown.json.results[0].series[0].values.flat().sort()).to.deep.equal(['foo', 'logs']);
      const viaFunction = await call(`${url}/api/v3/query_sql?db=foo&q=${encodeURIComponent("SELECT * FROM query('SELECT * FROM db_2.secret')")}`, { token: app });
      expect(viaFunction.status).to.not.equal(200);
      expect(viaFunction.text).not.to.include('42');
      for (const [method, path] of [['GET', '/api/v3/configure/database?format=json'], ['POST', '/api/v3/configure/database'], ['GET', '/health'], ['GET', '/metrics'],
        ['POST', '/api/v3/configure/token/named_admin'], ['DELETE', '/api/v3/configure/database?db=foo']]) {
        expect((await call(`${url}${path}`, { method, token: app, body: method === 'POST' ? { db: 'zzz', token_name: 'zzz' } : undefined })).status, `${method} ${path}`).to.equal(403);
      }
      expect((await call(`${url}/api/v3/query_sql?db=foo&q=SELECT+1`, { token: admin })).status).to.equal(200);
    });

    it('system tokens open health/ping/metrics only', async () => {
      const r = await call(`${url}/api/v3/enterprise/configure/token`, {
        method: 'POST', token: admin,
        body: { token_name: 'monitor', permissions: [{ resource_type: 'system', resource_identifier: ['health', 'ping'], actions: ['read'] }] },
      });
      expect(r.status, r.text).to.equal(201);
      const monitor = r.json.token as string;
      expect((await call(`${url}/health`, { token: monitor })).status).to.equal(200);
      expect((await call(`${url}/api/v1/health`, { token: monitor })).status).to.equal(200);
      expect((await call(`${url}/api/v1/health`)).status, 'no token').to.equal(401);
      expect((await call(`${url}/ping`, { token: monitor })).status).to.equal(200);
      expect((await call(`${url}/metrics`, { token: monitor })).status).to.equal(403);
      expect((await call(`${url}/api/v3/query_sql?db=foo&q=SELECT+1`, { token: monitor })).status).to.equal(403);
    });

    it('expired tokens answer 401', async () => {
      const r = await cli(['create', 'token', '--admin', '--name', 'brief', '--expiry', '1s', '--token', admin]);
      expect(r.code, r.stderr).to.equal(0);
      const brief = tokenOf(r.stdout);
      expect((await call(`${url}/health`, { token: brief })).status).to.equal(200);
      await sleep(1100); // the scenario: the token's lifetime runs out
      const late = await call(`${url}/health`, { token: brief });
      expect(late.status).to.equal(401);
      expect(late.json.error).to.match(/^the request was not authenticated: token has expired \d{4}-/);
    });

    it('show tokens lists names and permissions, never tokens or hashes', async () => {
      const r = await cli(['show', 'tokens', '--format', 'json', '--token', admin]);
      expect(r.code, r.stderr).to.equal(0);
      const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
      expect(rows.map((t) => t.name)).to.include.members(['_admin', 'http-admin', 'app', 'monitor', 'brief']);
      expect(rows.find((t) => t.name === 'app')!.permissions).to.equal('db:foo:read,write;db:logs:write');
      expect(rows.find((t) => t.name === '_admin')!.permissions).to.equal('*:*:*');
      expect(r.stdout).not.to.include('apiv3_');
      for (const row of rows) expect(row).not.to.have.property('hash');
      expect((await cli(['show', 'tokens'])).code, 'without a token').to.equal(1);
    });

    it('delete token asks for confirmation, refuses the operator token, and the deleted token stops working', async () => {
      const made = await call(`${url}/api/v3/configure/token/named_admin`, { method: 'POST', token: admin, body: { token_name: 'doomed' } });
      const doomed = made.json.token as string;
      const unconfirmed = await cli(['delete', 'token', '--token-name', 'doomed', '--token', admin], 'no\n');
      expect(unconfirmed.code).to.equal(1);
      expect(unconfirmed.stderr).to.include('Cannot delete token without confirmation');
      const r = await cli(['delete', 'token', '--token-name', 'doomed', '--token', admin], 'yes\n');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include('Token "doomed" deleted successfully');
      expect((await call(`${url}/health`, { token: doomed })).status).to.equal(401);
      const operator = await cli(['delete', 'token', '--token-name', '_admin', '--token', admin, '-y']);
      expect(operator.code).to.equal(1);
      expect(operator.stderr).to.include('Cannot delete operator token, to regenerate an operator token, use `influxdb3 create token --admin --regenerate --token $TOKEN`');
      expect((await call(`${url}/api/v3/configure/token?token_name=nope`, { method: 'DELETE', token: admin })).status).to.equal(404);
    });

    it('regenerate needs the operator token and retires the old one', async () => {
      const named = await call(`${url}/api/v3/configure/token/named_admin`, { method: 'POST', token: admin, body: { token_name: 'deputy' } });
      expect((await call(`${url}/api/v3/configure/token/admin/regenerate`, { method: 'POST', token: named.json.token })).status, 'a named admin').to.equal(403);
      const r = await cli(['create', 'token', '--admin', '--regenerate', '--token', admin], 'yes\n');
      expect(r.code, r.stderr).to.equal(0);
      const fresh = tokenOf(r.stdout);
      expect((await call(`${url}/health`, { token: admin })).status).to.equal(401);
      expect((await call(`${url}/health`, { token: fresh })).status).to.equal(200);
      admin = fresh;
    });

    it('keeps tokens hashed in the catalog and across a restart', async () => {
      const files = await readdir(s.dataDir, { recursive: true });
      for (const f of files) {
        const text = await readFile(join(s.dataDir, String(f))).catch(() => Buffer.alloc(0));
        expect(text.includes(admin), String(f)).to.equal(false);
      }
      await s.stop();
      s = await startServer({ withoutAuth: false, dataDir: s.dataDir });
      url = s.url;
      expect((await call(`${url}/health`, { token: admin })).status).to.equal(200);
      expect(s.logs.join('\n')).not.to.include('there is no admin token yet');
    });
  });

  describe('--admin-token-file', () => {
    let dir: string;
    let s: ServerHandle | undefined;
    after(async () => {
      await s?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('preloads upstream\'s offline token file (and create token --admin --offline writes one)', async () => {
      dir = await mkdtemp(join(tmpdir(), 'auth-file-'));
      const file = join(dir, 'admin.json');
      const w = await runCli(['create', 'token', '--admin', '--offline', '--output-file', file]);
      expect(w.code, w.stderr).to.equal(0);
      const { token, name } = JSON.parse(await readFile(file, 'utf8')) as { token: string; name: string };
      expect(name).to.equal('_admin');
      s = await startServer({ withoutAuth: false, env: { INFLUXDB3_ADMIN_TOKEN_FILE: file } });
      expect((await call(`${s.url}/health`, { token })).status).to.equal(200);
      expect((await call(`${s.url}/api/v3/configure/token/admin`, { method: 'POST' })).status).to.equal(409);
      await s.stop();
      // A server that already has an admin token ignores a different file, with a warning.
      const other = join(dir, 'other.json');
      await writeFile(other, JSON.stringify({ token: generateToken(), name: 'later' }), { mode: 0o600 });
      s = await startServer({ withoutAuth: false, dataDir: s.dataDir, args: ['--admin-token-file', other] });
      expect(s.logs.join('\n')).to.include('admin token file ignored');
      expect((await call(`${s.url}/health`, { token })).status).to.equal(200);
    });

    it('refuses to start on a broken file', async () => {
      const bad = join(dir, 'bad.json');
      await writeFile(bad, '{"token": "nope"}', { mode: 0o600 });
      let message = '';
      await startServer({ withoutAuth: false, args: ['--admin-token-file', bad] }).catch((err: Error) => (message = err.message));
      expect(message).to.include(`invalid admin token file '${bad}'`);
    });
  });

  describe('--without-auth and --disable-authz', () => {
    let s: ServerHandle | undefined;
    afterEach(async () => {
      await s?.stop();
      if (s) removeDir(s.dataDir);
      s = undefined;
    });

    it('--without-auth: everything open, token endpoints 405, and a loud warning', async () => {
      s = await startServer();
      expect(s.logs.join('\n')).to.include('AUTHENTICATION IS DISABLED');
      expect((await call(`${s.url}/api/v3/write_lp?db=x`, { method: 'POST', raw: 'm v=1' })).status).to.equal(204);
      for (const [method, path] of [['POST', '/api/v3/configure/token/admin'], ['POST', '/api/v3/configure/token/admin/regenerate'],
        ['POST', '/api/v3/configure/token/named_admin'], ['DELETE', '/api/v3/configure/token?token_name=x'], ['POST', '/api/v3/enterprise/configure/token'],
        ['POST', '/API/V3/Configure/Token/Admin/']]) {
        const r = await call(`${s.url}${path}`, { method });
        expect(r.status, `${method} ${path}`).to.equal(405);
        expect(r.json).to.deep.equal({ error: 'endpoint disabled, started without auth' });
      }
      const cliR = await runCli(['create', 'token', '--admin', '--host', s.url]);
      expect(cliR.code).to.equal(1);
      expect(cliR.stderr).to.include('endpoint disabled, started without auth');
    });

    it('--disable-authz health,ping lifts auth on those only', async () => {
      s = await startServer({ withoutAuth: false, args: ['--disable-authz', 'health,ping'] });
      expect((await call(`${s.url}/health`)).status).to.equal(200);
      expect((await call(`${s.url}/api/v1/health`)).status).to.equal(200);
      expect((await call(`${s.url}/ping`)).status).to.equal(200);
      expect((await call(`${s.url}/ping`, { method: 'POST' })).status).to.equal(200);
      expect((await call(`${s.url}/metrics`)).status).to.equal(401);
      expect((await call(`${s.url}/api/v3/configure/database?format=json`)).status).to.equal(401);
    });
  });
});
