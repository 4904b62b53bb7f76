import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchAnswer, sendJson, type HttpAnswer } from '../../helpers/http.js';
import { ROOT, startServer, type ServerHandle } from '../../helpers/server-process.js';

// Temporary directories made here (plugin dirs, token files) go when the test process exits.
const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a venv still being written by the child of a SIGKILLed node: left to the system's tmp cleaning
    }
  }
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

const FIXTURE_PLUGINS = join(ROOT, 'test', 'fixtures', 'plugins', 'process-node');

// An upstream: a second instance of this server with authentication on and an admin token.
export interface Upstream {
  server: ServerHandle;
  token: string;
  tokenFile: string;
}

// With `auth: false` the upstream runs without authentication (its token is then never checked).
export async function startUpstream(opts: { dataDir?: string; port?: number; token?: string; auth?: boolean } = {}): Promise<Upstream> {
  const auth = opts.auth ?? true;
  const server = await startServer({ withoutAuth: !auth, dataDir: opts.dataDir, port: opts.port });
  let token = opts.token ?? (auth ? undefined : 'unused');
  if (token === undefined) {
    const r = await fetchAnswer(`${server.url}/api/v3/configure/token/admin`, { method: 'POST' });
    if (r.status !== 201 && r.status !== 200) throw new Error(`cannot create the upstream's admin token: ${r.status} ${r.text}`);
    token = r.json.token as string;
  }
  const tokenFile = join(tempDir('upstream-token-'), 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  return { server, token, tokenFile };
}

// A plugin directory outside the tree (the engine makes its venv there) holding the fixture plugins; one per test
// process, so a restarted node finds its venv made.
let plugins: string | null = null;
function pluginDir(): string {
  if (plugins) return plugins;
  plugins = tempDir('process-node-plugins-');
  cpSync(FIXTURE_PLUGINS, plugins, { recursive: true });
  return plugins;
}

// A process node in front of `upstreamUrl` (the token file of an Upstream, if any).
export function startNode(upstreamUrl: string, opts: { tokenFile?: string; args?: string[]; dataDir?: string; env?: Record<string, string> } = {}): Promise<ServerHandle> {
  return startServer({
    dataDir: opts.dataDir,
    env: opts.env,
    args: [
      '--mode', 'process',
      '--plugin-dir', pluginDir(),
      '--upstream-url', upstreamUrl,
      ...(opts.tokenFile ? ['--upstream-token-file', opts.tokenFile] : []),
      ...(opts.args ?? []),
    ],
  });
}

// SQL against an InfluxDB 3 API (with a token when given); the rows, or throws with the answer.
export async function sql(url: string, db: string, q: string, token?: string): Promise<any[]> {
  const r = await fetchAnswer(`${url}/api/v3/query_sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ db, q, format: 'json' }),
  });
  if (r.status !== 200) throw new Error(`query '${q}' on ${db}: HTTP ${r.status} ${r.text}`);
  return r.json as any[];
}

// Rows of a table on the upstream; 0 while the table does not exist yet.
export async function upstreamCount(up: Upstream, db: string, table: string): Promise<number> {
  try {
    const rows = await sql(up.server.url, db, `SELECT count(*) AS n FROM "${table}"`, up.token);
    return Number(rows[0]?.n ?? 0);
  } catch {
    return 0;
  }
}

// The node's system.upstream_forwarding row.
export async function forwarding(node: ServerHandle, db = '_internal'): Promise<Record<string, any>> {
  const rows = await sql(node.url, db, 'SELECT * FROM system.upstream_forwarding');
  return rows[0] as Record<string, any>;
}

// One metric's value from the node's /metrics (NaN when absent).
export async function metric(node: ServerHandle, name: string): Promise<number> {
  const text = (await fetchAnswer(`${node.url}/metrics`)).text;
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

// v3 write_lp to a node (no token: test nodes run without auth).
export function writeLp(url: string, db: string, lp: string, precision = 'nanosecond'): Promise<HttpAnswer> {
  return fetchAnswer(`${url}/api/v3/write_lp?db=${encodeURIComponent(db)}&precision=${precision}`, { method: 'POST', body: lp });
}

export { fetchAnswer, sendJson };

// Rows the node itself stores in a table: InfluxQL is answered from the node's own store (its SQL endpoint passes
// user tables to the upstream), so `count()` over the node's v1 /query sees only local rows.
export async function localCount(node: ServerHandle, db: string, table: string, field: string): Promise<number> {
  const r = await fetch(`${node.url}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(`SELECT count(${field}) FROM ${table}`)}`);
  if (r.status !== 200) throw new Error(`local count answered ${r.status}: ${await r.text()}`);
  const doc = (await r.json()) as { results: Array<{ error?: string; series?: Array<{ values: unknown[][] }> }> };
  if (doc.results[0]?.error) throw new Error(doc.results[0].error);
  return Number(doc.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}
