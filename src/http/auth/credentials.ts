import type { Context } from 'koa';
import { tokenFromAuthorization } from '../../auth/authorization-header.js';

// The token a request presents: `Authorization: Bearer|Token <t>` or `Basic base64(user:<t>)`; on the v1 endpoints
// also `?p=<t>` (`u` is ignored). null when there is none; a malformed header is a 400 (as upstream).
export function presentedToken(ctx: Context, v1: boolean): string | null {
  const header = ctx.get('authorization');
  if (header !== '') return tokenFromAuthorization(header);
  if (v1) {
    const p = ctx.query.p;
    const value = Array.isArray(p) ? p[p.length - 1] : p;
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}
