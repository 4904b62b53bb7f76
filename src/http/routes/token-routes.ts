import type Router from '@koa/router';
import type { Context } from 'koa';
import { invalidTokenRequest, tokenEndpointsDisabled } from '../../auth/errors.js';
import { validatePermissions } from '../../auth/permissions.js';
import type { CreatedToken, TokenStore } from '../../auth/token-store.js';
import type { ApiToken } from '../../storage/catalog/catalog-resources.js';
import type { AuthState } from '../auth/auth-middleware.js';
import { readJson, readParams, stringParam } from '../middleware/body.js';
import { createdTokenBody } from '../formats/created-token.js';

interface Deps {
  tokens: TokenStore;
  withoutAuth: boolean;
  maxBodyBytes: number;
}

function created(ctx: Context, token: CreatedToken): void {
  ctx.status = 201;
  ctx.body = createdTokenBody(token);
}

function expirySecs(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalidTokenRequest(`parameter 'expiry_secs' must be a whole number of seconds greater than 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

// Token management (upstream Core, plus Enterprise's resource tokens). The auth middleware decides
// who may call what; the handlers refuse too when the server runs without auth.
export function registerTokenRoutes(router: Router, deps: Deps): void {
  const { tokens } = deps;
  const caller = (ctx: Context): ApiToken | null => {
    if (deps.withoutAuth) throw tokenEndpointsDisabled();
    return (ctx.state.auth as AuthState | undefined)?.token ?? null;
  };
  router.post('/api/v3/configure/token/admin', (ctx) => {
    caller(ctx);
    created(ctx, tokens.createOperatorToken());
  });
  router.post('/api/v3/configure/token/admin/regenerate', (ctx) => {
    created(ctx, tokens.regenerateOperatorToken(caller(ctx)));
  });
  router.post('/api/v3/configure/token/named_admin', async (ctx) => {
    const by = caller(ctx);
    const body = await readJson(ctx, deps.maxBodyBytes);
    created(ctx, tokens.createNamedAdminToken(stringParam(body, 'token_name', true), expirySecs(body.expiry_secs), by));
  });
  // Enterprise's resource tokens: {"token_name", "permissions": [{resource_type, resource_identifier, actions}], "expiry_secs"}.
  router.post('/api/v3/enterprise/configure/token', async (ctx) => {
    const by = caller(ctx);
    const body = await readJson(ctx, deps.maxBodyBytes);
    const name = stringParam(body, 'token_name', true);
    created(ctx, tokens.createResourceToken(name, validatePermissions(body.permissions), expirySecs(body.expiry_secs), by));
  });
  router.delete('/api/v3/configure/token', async (ctx) => {
    caller(ctx);
    const params = await readParams(ctx, deps.maxBodyBytes);
    tokens.deleteToken(stringParam(params, 'token_name', true));
    ctx.status = 200;
    ctx.body = '';
  });
}
