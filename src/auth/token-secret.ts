import { createHash, randomBytes } from 'node:crypto';

// Upstream's token shape: `apiv3_` then 64 random bytes, base64url without padding.
export const TOKEN_PREFIX = 'apiv3_';
const TOKEN_BYTES = 64;

// A fresh token string; it is shown once and only its hash is kept.
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

// SHA-512 of the token string as lower-case hex, as upstream stores and reports it.
export function hashToken(token: string): string {
  return createHash('sha512').update(token, 'utf8').digest('hex');
}
