import type { Context } from 'koa';
import { malformedAuthorization } from '../../auth/errors.js';

const SCHEMES = new Set(['bearer', 'token', 'basic']);

// The token a request presents: `Authorization: Bearer|Token <t>` or `Basic base64(user:<t>)`; on the v1 endpoints
// also `?p=<t>` (`u` is ignored). null when there is none; a malformed header is a 400 (as upstream).
export function presentedToken(ctx: Context, v1: boolean): string | null {
  const header = ctx.get('authorization');
  if (header !== '') return fromHeader(header);
  if (v1) {
    const p = ctx.query.p;
    const value = Array.isArray(p) ? p[p.length - 1] : p;
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

function fromHeader(header: string): string {
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2 || !SCHEMES.has(parts[0]!.toLowerCase())) throw malformedAuthorization();
  const [scheme, credentials] = [parts[0]!.toLowerCase(), parts[1]!];
  if (scheme !== 'basic') return credentials;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // `user:token` as InfluxDB v1 clients send it; a bare value or an empty password means the token is the user part.
  const token = colon < 0 ? decoded : decoded.slice(colon + 1) || decoded.slice(0, colon);
  if (token === '') throw malformedAuthorization();
  return token;
}
