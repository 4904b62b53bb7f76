import type { CreatedToken } from '../../auth/token-store.js';

// Upstream's CreateTokenWithPermissionsResponse: the only time a token string is shown.
export function createdTokenBody({ record, token }: CreatedToken): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    token,
    hash: record.hash,
    created_at: new Date(record.createdAt).toISOString(),
    expiry: record.expiryMillis === null ? null : new Date(record.expiryMillis).toISOString(),
  };
}
