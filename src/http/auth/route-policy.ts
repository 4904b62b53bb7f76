import type { DatabaseAction, SystemResource } from '../../auth/permissions.js';

// What a request needs, decided from its method and path before any handler runs. (The web console's static files
// under /ui/ are answered before this check, by src/http/routes/ui-routes.ts: they hold no data.)
export type Access =
  | { kind: 'open' }
  | { kind: 'admin' }
  | { kind: 'operator' }
  | { kind: 'system'; resource: SystemResource }
  | { kind: 'database'; action: DatabaseAction; params: string[]; body: boolean }
  | { kind: 'request-trigger'; path: string };

export interface RoutePolicy {
  access: Access;
  // v1 endpoints also take the token from `?p=`.
  v1: boolean;
}

interface Rule {
  methods: string[];
  path: string;
  access: Access;
  v1?: boolean;
}

const read = (body: boolean): Access => ({ kind: 'database', action: 'read', params: ['db'], body });
const write: Access = { kind: 'database', action: 'write', params: ['db', 'bucket'], body: false };

// Every route that is not admin-only. Anything else, including routes added later and unknown paths, needs an admin
// token: a new endpoint is closed until it is listed here (and in docs/auth.md).
export const ROUTE_RULES: readonly Rule[] = [
  { methods: ['GET'], path: '/health', access: { kind: 'system', resource: 'health' } },
  { methods: ['GET'], path: '/api/v1/health', access: { kind: 'system', resource: 'health' } },
  { methods: ['GET', 'POST'], path: '/ping', access: { kind: 'system', resource: 'ping' } },
  { methods: ['GET'], path: '/metrics', access: { kind: 'system', resource: 'metrics' } },
  { methods: ['POST'], path: '/api/v3/write_lp', access: write },
  { methods: ['POST'], path: '/api/v2/write', access: write },
  { methods: ['POST'], path: '/write', access: write, v1: true },
  { methods: ['GET'], path: '/api/v3/query_sql', access: read(false) },
  { methods: ['POST'], path: '/api/v3/query_sql', access: read(true) },
  { methods: ['GET'], path: '/api/v3/query_influxql', access: read(false) },
  { methods: ['POST'], path: '/api/v3/query_influxql', access: read(true) },
  { methods: ['GET'], path: '/query', access: read(false), v1: true },
  { methods: ['POST'], path: '/query', access: read(true), v1: true },
  // Creates the operator token once, unauthenticated (upstream); a second call is a 409.
  { methods: ['POST'], path: '/api/v3/configure/token/admin', access: { kind: 'open' } },
  { methods: ['POST'], path: '/api/v3/configure/token/admin/regenerate', access: { kind: 'operator' } },
];

export const ENGINE_PREFIX = '/api/v3/engine/';
const TOKEN_PREFIXES = ['/api/v3/configure/token', '/api/v3/enterprise/configure/token'];

// koa-router matches paths case-insensitively and with an optional trailing slash; so does the policy, so that a
// path reaching a handler always gets that handler's rule.
function normalise(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 ? lower.replace(/\/+$/, '') : lower;
}

export function policyFor(method: string, path: string): RoutePolicy {
  const p = normalise(path);
  const m = method === 'HEAD' ? 'GET' : method;
  for (const rule of ROUTE_RULES) {
    if (rule.path === p && rule.methods.includes(m)) return { access: rule.access, v1: rule.v1 ?? false };
  }
  if ((m === 'GET' || m === 'POST') && path.toLowerCase().startsWith(ENGINE_PREFIX) && path.length > ENGINE_PREFIX.length) {
    return { access: { kind: 'request-trigger', path: decodePath(path.slice(ENGINE_PREFIX.length)) }, v1: false };
  }
  return { access: { kind: 'admin' }, v1: false };
}

// The token-management endpoints, which answer 405 on a server started with --without-auth.
export function isTokenEndpoint(path: string): boolean {
  const p = normalise(path);
  return TOKEN_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

// As koa-router decodes its `*path` parameter.
function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
