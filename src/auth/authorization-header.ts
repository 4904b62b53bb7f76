import { malformedAuthorization } from './errors.js';

const SCHEMES = new Set(['bearer', 'token', 'basic']);

// The token in an `Authorization` value, as both edges (HTTP headers, gRPC metadata) read it: `Bearer|Token <t>` or
// `Basic base64(user:<t>)`; anything else is malformed (upstream answers 400 over HTTP).
export function tokenFromAuthorization(header: string): string {
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
