import type { Context, Next } from 'koa';
import { forbidden, tokenEndpointsDisabled, unauthenticated } from '../../auth/errors.js';
import { allowsDatabase, allowsSystem, isAdminPermissions, touchesDatabase, type SystemResource } from '../../auth/permissions.js';
import { OPERATOR_TOKEN_NAME, type TokenStore } from '../../auth/token-store.js';
import type { ApiToken } from '../../storage/catalog/catalog-resources.js';
import { bufferBody, readBody } from '../middleware/body.js';
import { multipartFields } from '../middleware/multipart.js';
import { presentedToken } from './credentials.js';
import { isTokenEndpoint, policyFor, type Access } from './route-policy.js';

export interface AuthDeps {
  tokens: TokenStore;
  withoutAuth: boolean;
  // --disable-authz: health, ping and/or metrics answer without a token.
  disableAuthz: readonly string[];
  maxBodyBytes: number;
  // The database of the request trigger serving /api/v3/engine/<path>, or null when there is none.
  requestTriggerDatabase(path: string): string | null;
}

// Who made the request, for handlers that care (token management records the creator): `ctx.state.auth`.
export interface AuthState {
  token: ApiToken | null;
  admin: boolean;
}

// Authenticates and authorises every request before the router runs: 401 without a valid token,
// 403 without the permission the route's policy (route-policy.ts) asks for.
export function authMiddleware(deps: AuthDeps) {
  const open = new Set(deps.disableAuthz);
  return async (ctx: Context, next: Next): Promise<void> => {
    if (deps.withoutAuth) {
      if (isTokenEndpoint(ctx.path)) throw tokenEndpointsDisabled();
      ctx.state.auth = { token: null, admin: true } satisfies AuthState;
      return next();
    }
    const { access, v1 } = policyFor(ctx.method, ctx.path);
    if (access.kind === 'open' || (access.kind === 'system' && open.has(access.resource))) {
      ctx.state.auth = { token: null, admin: false } satisfies AuthState;
      return next();
    }
    const presented = presentedTokenOf(ctx, v1);
    const token = deps.tokens.authenticate(presented);
    const admin = isAdminPermissions(token.permissions);
    ctx.state.auth = { token, admin } satisfies AuthState;
    if (!admin) await authorize(ctx, deps, token, access);
    else if (access.kind === 'operator' && token.name !== OPERATOR_TOKEN_NAME) throw forbidden('this needs the operator token (_admin)');
    return next();
  };
}

function presentedTokenOf(ctx: Context, v1: boolean): string {
  const t = presentedToken(ctx, v1);
  if (t === null) throw unauthenticated('missing token (send Authorization: Bearer <token>)');
  return t;
}

async function authorize(ctx: Context, deps: AuthDeps, token: ApiToken, access: Access): Promise<void> {
  const perms = token.permissions;
  switch (access.kind) {
    case 'admin':
    case 'operator':
      throw forbidden('this needs an admin token');
    case 'system':
      if (!allowsSystem(perms, access.resource as SystemResource)) throw forbidden(`this needs system:${access.resource}:read`);
      return;
    case 'request-trigger': {
      const db = deps.requestTriggerDatabase(access.path);
      if (db === null || !touchesDatabase(perms, db)) throw forbidden(`this needs read or write permission on the database of request trigger '${access.path}'`);
      return;
    }
    case 'database': {
      const names = await databasesNamed(ctx, deps, access.params, access.body);
      if (names.length === 0) throw forbidden(`this token must name its database with '${access.params[0]}'`);
      for (const db of names) {
        if (!allowsDatabase(perms, db, access.action)) throw forbidden(`this needs ${access.action} permission on database '${db}'`);
      }
      return;
    }
    default:
      return;
  }
}

// Every database name the request carries in the query string and (for POST queries) the body: all must be
// permitted, so a repeated `db` or a query-string/body mismatch cannot pick a database the check did not see.
async function databasesNamed(ctx: Context, deps: AuthDeps, params: string[], body: boolean): Promise<string[]> {
  const names: string[] = [];
  for (const p of params) {
    const v = ctx.query[p];
    for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v]) if (item !== '') names.push(item);
  }
  if (body && ctx.method === 'POST') names.push(...(await bodyDatabases(ctx, deps.maxBodyBytes, params)));
  return names;
}

// The `db` of a JSON or form body, read ahead of the handler (which is then served the same bytes).
async function bodyDatabases(ctx: Context, limit: number, params: string[]): Promise<string[]> {
  await bufferBody(ctx, limit);
  const text = (await readBody(ctx, limit)).toString('utf8');
  const out: string[] = [];
  // Read as a form and as JSON whatever the Content-Type says, and as multipart when it says so: a name any reading
  // finds must be granted.
  const form = new URLSearchParams(text);
  for (const p of params) out.push(...form.getAll(p).filter((v) => v !== ''));
  const type = ctx.get('content-type') || '';
  if (/^\s*multipart\/form-data/i.test(type)) {
    // The /query handler reads multipart fields too; an unreadable body is refused there, so none is granted here.
    const fields = await multipartFields(await readBody(ctx, limit), type).catch(() => []);
    for (const [name, value] of fields) if (params.includes(name) && value !== '') out.push(value);
  }
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
      for (const p of params) {
        const v = (doc as Record<string, unknown>)[p];
        if (typeof v === 'string' && v !== '') out.push(v);
        else if (v !== undefined && v !== null && v !== '') out.push('(not a string)');
      }
    }
  } catch {
    // not JSON: the handler answers 400/415 for it; there is no database to allow
  }
  return out;
}
