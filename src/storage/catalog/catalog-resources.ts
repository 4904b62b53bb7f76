import type { ColumnDef } from '../types.js';

// The catalog's resources in the server's own vocabulary; only catalog-file.ts knows how they are spelled on disk.

export interface Table {
  id: number;
  name: string;
  // `time` last, as InfluxDB 3 shows it.
  columns: ColumnDef[];
  deleted: boolean;
  hardDeleteAt: string | null;
}

export interface Database {
  id: number;
  name: string;
  retentionPeriod: string | null;
  // Decimal nanoseconds (a bigint does not survive JSON).
  retentionPeriodNs: string | null;
  deleted: boolean;
  hardDeleteAt: string | null;
  // When a hard-deleted database's data was removed; its entry stays for --delete-grace-period after hardDeleteAt.
  dataRemovedAt: string | null;
  createdAt: string;
  // Deleted tables stay listed (deleted, renamed) until their hard-delete time plus the grace period.
  tables: Table[];
}

// What happens when a WAL or schedule call fails; request triggers always answer 500.
export type ErrorBehavior = 'log' | 'retry' | 'disable';

export interface TriggerSettings {
  runAsync: boolean;
  errorBehavior: ErrorBehavior;
}

// The nodes that run a trigger: every node, or those named (their --node-id), as InfluxDB 3 Enterprise pins them.
export type NodeSpec = 'all' | { nodes: string[] };

// A processing-engine trigger as the catalog keeps it (the engine parses `specification` itself).
export interface Trigger {
  id: number;
  name: string;
  pluginFilename: string;
  databaseName: string;
  // The database's catalog id: a trigger belongs to that database, not to a later one of the same name.
  databaseId: number;
  nodeSpec: NodeSpec;
  // The canonical spec string (`every:1m 30s`, `table:cpu`, …).
  specification: string;
  settings: TriggerSettings;
  arguments: Record<string, string> | null;
  disabled: boolean;
  // Why the engine disabled it (error_behavior=disable, restart limit, database deleted); null when a user did or it
  // is enabled.
  disabledReason: string | null;
  // A per-trigger call timeout overriding --plugin-timeout (null = the server default).
  timeoutMs: number | null;
  // Per-trigger runner limits (null or absent = the server default).
  memoryLimitBytes?: number | null;
  cpuLimit?: number | null;
  maxProcesses?: number | null;
}

export interface TriggerList {
  nextId: number;
  triggers: Trigger[];
}

// One grant of a token: `db` names databases, `system` names health/ping/metrics, `*` is every resource.
export interface TokenPermission {
  resourceType: 'db' | 'system' | '*';
  resourceIdentifier: string[];
  actions: string[];
}

// An API token: never the token string, only its SHA-512. Times are Unix milliseconds.
export interface ApiToken {
  id: number;
  name: string;
  hash: string;
  createdAt: number;
  expiryMillis: number | null;
  description: string | null;
  createdBy: number | null;
  updatedAt: number | null;
  updatedBy: number | null;
  permissions: TokenPermission[];
}

export interface TokenList {
  nextId: number;
  tokens: ApiToken[];
}

// A last-value cache; `valueColumns: null` means every non-key column, new ones included.
export interface LastCacheDefinition {
  dbId: number;
  tableId: number;
  table: string;
  name: string;
  keyColumns: string[];
  valueColumns: string[] | null;
  count: number;
  ttlSeconds: number;
}

// A distinct-value cache; columns are the levels of the cache, top first.
export interface DistinctCacheDefinition {
  dbId: number;
  tableId: number;
  table: string;
  name: string;
  columns: string[];
  maxCardinality: number;
  maxAgeSeconds: number;
}

export interface CacheDefinitions {
  last: LastCacheDefinition[];
  distinct: DistinctCacheDefinition[];
}

// Everything the catalog holds; the unit catalog-file.ts reads and writes.
export interface CatalogState {
  catalogUuid: string;
  nextDatabaseId: number;
  nextTableId: number;
  databases: Database[];
  triggers: TriggerList | null;
  tokens: TokenList | null;
  caches: CacheDefinitions | null;
  // Bumped by every persisted change, as upstream's catalog sequence number (absent in files written before it).
  sequence?: number;
}
