import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app.js';
import { loadServeConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/shared/logger.js';
import { buildTestVenv } from '../fixtures/plugins/plugin-server.js';
import { ROOT, removeDir, startServer, type ServerHandle } from '../helpers/server-process.js';

// A sweep: every route the koa router holds is called without a token, with a wrong token, with database
// tokens (one for the database the request names, one for another database) and with an admin token.
// Routes missing from EXPECTED are held to the default: admin only. Routes listed here are the documented
// exceptions (docs/auth.md) and must exist.

type Access = 'open' | 'system' | 'db-read' | 'db-write' | 'request-trigger' | 'operator' | 'admin';

const EXPECTED: Record<string, Access> = {
  'GET /health': 'system',
  'GET /api/v1/health': 'system',
  'GET /ping': 'system',
  'POST /ping': 'system',
  'GET /metrics': 'system',
  'POST /api/v3/write_lp': 'db-write',
  'POST /api/v2/write': 'db-write',
  'POST /write': 'db-write',
  'GET /api/v3/query_sql': 'db-read',
  'POST /api/v3/query_sql': 'db-read',
  'GET /api/v3/query_influxql': 'db-read',
  'POST /api/v3/query_influxql': 'db-read',
  'GET /query': 'db-read',
  'POST /query': 'db-read',
  'GET /api/v3/engine/*path': 'request-trigger',
  'POST /api/v3/engine/*path': 'request-trigger',
  'POST /api/v3/configure/token/admin': 'open',
  'POST /api/v3/configure/token/admin/regenerate': 'operator',
};

const DB = 'sweepdb';
const TRIGGER_PATH = 'sweep';

interface Route {
  method: string;
  path: string;
}

// The routes of a fully built App (engine on), read from its router without starting it.
async function registeredRoutes(pluginDir: string): Promise<Route[]> {
  const config = loadServeConfig({ flags: { objectStore: 'memory', pluginDir, withoutAuth: 'false' }, env: {} });
  const app = new App(config, createLogger('silent'));
  const routes: Route[] = [];
  for (const layer of app.http.router.stack) {
    for (const method of layer.methods) routes.push({ method, path: String(layer.path) });
  }
  return routes;
}

const keyOf = (r: Route): string => `${r.method === 'HEAD' ? 'GET' : r.method} ${r.path}`;
const accessOf = (r: Route): Access => EXPECTED[keyOf(r)] ?? 'admin';

// A concrete URL for a route pattern: `*path` becomes the request trigger's path.
function concrete(path: string): string {
  return path.replace(/\*path$/, TRIGGER_PATH).replace(/:[A-Za-z_]+/g, 'x');
}

async function send(url: string, route: Route, token: string | null, scoped: boolean): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const query = scoped ? `?db=${DB}&bucket=${DB}&q=SELECT+1` : '';
  let body: string | undefined;
  if (route.method !== 'GET' && route.method !== 'HEAD') {
    const access = accessOf(route);
    if (access === 'db-write') body = 'sweep v=1';
    else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(scoped ? { db: DB, q: 'SELECT 1' } : {});
    }
  }
  const res = await fetch(`${url}${concrete(route.path)}${query}`, { method: route.method, headers, body });
  return { status: res.status, text: await res.text() };
}

describe('integration: auth sweep over every route', function () {
  this.timeout(180_000);
  let root: string;
  let server: ServerHandle;
  let url: string;
  let routes: Route[];
  const tokens: Record<'operator' | 'admin' | 'member' | 'outsider', string> = { operator: '', admin: '', member: '', outsider: '' };

  const post = async (path: string, body: unknown, token = tokens.admin) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'auth-sweep-'));
    const pluginDir = join(root, 'plugins');
    await mkdir(pluginDir);
    await writeFile(join(pluginDir, 'sweep_request.py'), 'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return {"ok": True}\n');
    routes = await registeredRoutes(join(root, 'unused-plugins'));
    const venv = await buildTestVenv(join(root, 'venv'));
    server = await startServer({ withoutAuth: false, args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv] });
    url = server.url;
    const res = await fetch(`${url}/api/v3/configure/token/admin`, { method: 'POST' });
    tokens.operator = ((await res.json()) as { token: string }).token;
    tokens.admin = (await post('/api/v3/configure/token/named_admin', { token_name: 'sweep-admin' }, tokens.operator)).token;
    const grant = (name: string, db: string) =>
      post('/api/v3/enterprise/configure/token', { token_name: name, permissions: [{ resource_type: 'db', resource_identifier: [db], actions: ['read', 'write'] }] });
    tokens.member = (await grant('member', DB)).token;
    tokens.outsider = (await grant('outsider', 'otherdb')).token;
    await post('/api/v3/configure/database', { db: DB });
    await post('/api/v3/configure/database', { db: 'otherdb' });
    await post('/api/v3/configure/processing_engine_trigger', {
      db: DB, trigger_name: 'sweep_trigger', plugin_filename: 'sweep_request.py', trigger_specification: `request:${TRIGGER_PATH}`,
      trigger_settings: { run_async: false, error_behavior: 'log' }, disabled: false,
    });
  });

  after(async () => {
    await server?.stop();
    if (server) removeDir(server.dataDir);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('finds the routes, and every documented exception is still a route', () => {
    expect(routes.length).to.be.greaterThan(30);
    const keys = new Set(routes.map(keyOf));
    for (const key of Object.keys(EXPECTED)) expect(keys.has(key), `${key} is listed but not registered`).to.equal(true);
  });

  it('docs/auth.md names every route that is not admin-only', async () => {
    const doc = await readFile(join(ROOT, 'docs', 'auth.md'), 'utf8');
    for (const key of Object.keys(EXPECTED)) {
      const path = key.split(' ')[1]!.replace(/\*path$/, '');
      const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(new RegExp(`[\\s\`]${escaped}(?=[\\s\`?<])`).test(doc), key).to.equal(true);
    }
  });

  it('without a token: 401 everywhere but the open ones', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const { status, text } = await send(url, r, null, true);
      const ok = accessOf(r) === 'open' ? status !== 401 && status !== 403 : status === 401;
      if (!ok) wrong.push(`${r.method} ${r.path} → ${status} ${text.slice(0, 120)}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('with a wrong token: 401 everywhere but the open ones', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const { status, text } = await send(url, r, 'apiv3_not-a-token', true);
      const ok = accessOf(r) === 'open' ? status !== 401 && status !== 403 : status === 401;
      if (!ok) wrong.push(`${r.method} ${r.path} → ${status} ${text.slice(0, 120)}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('with a token for another database: 403 everywhere but the open ones', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const { status, text } = await send(url, r, tokens.outsider, true);
      const ok = accessOf(r) === 'open' ? status !== 401 && status !== 403 : status === 403;
      if (!ok) wrong.push(`${r.method} ${r.path} → ${status} ${text.slice(0, 120)}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('with a token for the named database: its data routes and request trigger pass, everything else 403', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const access = accessOf(r);
      const { status, text } = await send(url, r, tokens.member, true);
      const passes = access === 'open' || access === 'db-read' || access === 'db-write' || access === 'request-trigger';
      const ok = passes ? status !== 401 && status !== 403 : status === 403;
      if (!ok) wrong.push(`${r.method} ${r.path} (${access}) → ${status} ${text.slice(0, 120)}`);
    }
    expect(wrong).to.deep.equal([]);
    const unknown = await fetch(`${url}/api/v3/engine/no-such-path`, { headers: { authorization: `Bearer ${tokens.member}` } });
    expect(unknown.status, 'a path without a trigger').to.equal(403);
  });

  it('a database token that names no database is refused (403) on the data routes', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => accessOf(x).startsWith('db-'))) {
      const { status } = await send(url, r, tokens.member, false);
      if (status !== 403) wrong.push(`${r.method} ${r.path} → ${status}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('case and trailing-slash variants of a path get the same answer as the path', async () => {
    for (const path of ['/API/V3/CONFIGURE/DATABASE', '/api/v3/configure/database/', '/Api/V3/Plugins/Files/']) {
      const method = path.toLowerCase().includes('plugins') ? 'PUT' : 'GET';
      const none = await fetch(`${url}${path}?format=json`, { method });
      expect(none.status, path).to.equal(401);
      const member = await fetch(`${url}${path}?format=json`, { method, headers: { authorization: `Bearer ${tokens.member}` } });
      expect(member.status, path).to.equal(403);
    }
    const write = await fetch(`${url}/API/V3/WRITE_LP/?db=${DB}`, { method: 'POST', headers: { authorization: `Bearer ${tokens.member}` }, body: 'variant v=1' });
    expect(write.status).to.equal(204);
  });

  it('with an admin token: never 401/403 (regenerate excepted: operator token only)', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const { status, text } = await send(url, r, tokens.admin, false);
      const ok = accessOf(r) === 'operator' ? status === 403 : status !== 401 && status !== 403;
      if (!ok) wrong.push(`${r.method} ${r.path} → ${status} ${text.slice(0, 120)}`);
    }
    expect(wrong).to.deep.equal([]);
    const unknown = await fetch(`${url}/no/such/route`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    expect(unknown.status).to.equal(404);
    const regenerate = await fetch(`${url}/api/v3/configure/token/admin/regenerate`, { method: 'POST', headers: { authorization: `Bearer ${tokens.operator}` } });
    expect(regenerate.status).to.equal(201);
  });
});
