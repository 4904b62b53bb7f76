import { INTERNAL_DB } from '../storage/catalog/names.js';
import type { SystemTableProvider, VirtualTable } from '../storage/query/system-tables.js';
import { formatPermissions } from './permissions.js';
import type { ApiToken } from '../storage/catalog/catalog-resources.js';

// Upstream's system.tokens columns minus `hash`: neither the token nor its hash leaves the server this way.
const COLUMNS: VirtualTable['columns'] = [
  { name: 'token_id', type: 'UInt64' },
  { name: 'name', type: 'Utf8' },
  { name: 'created_at', type: 'Timestamp(Nanosecond, None)' },
  { name: 'description', type: 'Utf8' },
  { name: 'created_by_token_id', type: 'UInt64' },
  { name: 'updated_at', type: 'Timestamp(Nanosecond, None)' },
  { name: 'updated_by_token_id', type: 'UInt64' },
  { name: 'expiry', type: 'Timestamp(Nanosecond, None)' },
  { name: 'permissions', type: 'Utf8' },
];

const ns = (ms: number | null): bigint | null => (ms === null ? null : BigInt(ms) * 1_000_000n);

export const TOKEN_SYSTEM_TABLES = ['tokens'] as const;

// system.tokens of `_internal`, one row per token by id.
export function tokenSystemTable(tokens: () => ApiToken[]): SystemTableProvider {
  return (db, table) => {
    if (db !== INTERNAL_DB || table !== 'tokens') return undefined;
    const rows = [...tokens()]
      .sort((a, b) => a.id - b.id)
      .map((t) => [
        t.id,
        t.name,
        ns(t.createdAt),
        t.description,
        t.createdBy,
        ns(t.updatedAt),
        t.updatedBy,
        ns(t.expiryMillis),
        formatPermissions(t.permissions),
      ]);
    return { columns: COLUMNS, rows };
  };
}
