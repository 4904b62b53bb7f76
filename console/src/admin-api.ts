// The Server page's admin calls: databases and their retention, tokens, last-value and distinct caches.
// Each list answers null when the token may not see it (403: a database token), so the page can say so.
import { ApiError, call, query, type Row } from './api.js';

const INTERNAL = '_internal';
const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function orForbidden<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return null;
    throw e;
  }
}

export interface DatabaseInfo {
  name: string;
  retentionNs: bigint | null;
}

export function listDatabaseInfo(): Promise<DatabaseInfo[] | null> {
  return orForbidden(query(INTERNAL, 'SELECT database_name, retention_period_ns FROM system.databases WHERE NOT deleted ORDER BY database_name').then((rows) =>
    rows.map((r) => ({ name: String(r.database_name), retentionNs: r.retention_period_ns === null || r.retention_period_ns === undefined ? null : BigInt(String(r.retention_period_ns)) }))));
}

export async function createDatabase(db: string, retention: string): Promise<void> {
  await call('/api/v3/configure/database', json(retention.trim() ? { db, retention_period: retention.trim() } : { db }));
}

export async function deleteDatabase(db: string): Promise<void> {
  await call(`/api/v3/configure/database?${new URLSearchParams({ db })}`, { method: 'DELETE' });
}

export interface TokenInfo {
  id: number;
  name: string;
  createdAt: string | null;
  expiry: string | null;
  permissions: string;
}

export function listTokens(): Promise<TokenInfo[] | null> {
  return orForbidden(query(INTERNAL, 'SELECT token_id, name, created_at, expiry, permissions FROM system.tokens ORDER BY token_id').then((rows) =>
    rows.map((r: Row) => ({ id: Number(r.token_id), name: String(r.name), createdAt: (r.created_at as string | null) ?? null, expiry: (r.expiry as string | null) ?? null, permissions: String(r.permissions ?? '') }))));
}

// Creates a token and returns its string (shown once: the server keeps only a hash). `database` null: an admin token.
export async function createToken(name: string, database: string | null, actions: string[]): Promise<string> {
  const res = database === null
    ? await call('/api/v3/configure/token/named_admin', json({ token_name: name }))
    : await call('/api/v3/enterprise/configure/token', json({ token_name: name, permissions: [{ resource_type: 'db', resource_identifier: [database], actions }] }));
  return ((await res.json()) as { token: string }).token;
}

export async function deleteToken(name: string): Promise<void> {
  await call(`/api/v3/configure/token?${new URLSearchParams({ token_name: name })}`, { method: 'DELETE' });
}

export interface CacheInfo {
  kind: 'last' | 'distinct';
  database: string;
  table: string;
  name: string;
  columns: string[];
}

const names = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

// The caches of the given databases, from each one's system.last_caches and system.distinct_caches.
export async function listCaches(databases: string[]): Promise<CacheInfo[]> {
  const per = await Promise.all(databases.map(async (database) => {
    const [last, distinct] = await Promise.all([
      query(database, 'SELECT "table", name, key_column_names, value_column_names FROM system.last_caches'),
      query(database, 'SELECT "table", name, column_names FROM system.distinct_caches'),
    ]);
    return [
      ...last.map((r): CacheInfo => ({ kind: 'last', database, table: String(r.table), name: String(r.name), columns: names(r.key_column_names) })),
      ...distinct.map((r): CacheInfo => ({ kind: 'distinct', database, table: String(r.table), name: String(r.name), columns: names(r.column_names) })),
    ];
  }));
  return per.flat();
}

// A last cache keyed by `columns` (empty: the table's tags), or a distinct cache over `columns`.
export async function createCache(kind: CacheInfo['kind'], db: string, table: string, name: string, columns: string[]): Promise<void> {
  const body: Record<string, unknown> = { db, table, ...(name.trim() ? { name: name.trim() } : {}) };
  if (kind === 'last' && columns.length > 0) body.key_columns = columns;
  if (kind === 'distinct') body.columns = columns;
  await call(`/api/v3/configure/${kind}_cache`, json(body));
}

export async function deleteCache(c: CacheInfo): Promise<void> {
  await call(`/api/v3/configure/${c.kind}_cache?${new URLSearchParams({ db: c.database, table: c.table, name: c.name })}`, { method: 'DELETE' });
}

// A retention period in ns as the server's own words (30d, 12h, 90m…); null: keep forever.
export function formatRetention(ns: bigint | null): string {
  if (ns === null) return 'forever';
  const units: Array<[string, bigint]> = [['w', 604_800_000_000_000n], ['d', 86_400_000_000_000n], ['h', 3_600_000_000_000n], ['m', 60_000_000_000n], ['s', 1_000_000_000n]];
  for (const [u, size] of units) if (ns % size === 0n) return `${ns / size}${u}`;
  return `${ns}ns`;
}
