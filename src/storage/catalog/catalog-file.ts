import { closeSync, existsSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../shared/app-error.js';
import type { ColumnDef } from '../types.js';
import type {
  ApiToken,
  CacheDefinitions,
  CatalogState,
  Database,
  DistinctCacheDefinition,
  LastCacheDefinition,
  Table,
  TokenList,
  TokenPermission,
  Trigger,
  TriggerList,
} from './catalog-resources.js';

// catalog.json, the one place that knows its shape. Version 2 spells every key in snake_case, as upstream's catalog
// does; version 1 (camelCase databases, tables and caches, snake_case triggers and tokens under `sections`) is read
// and rewritten as version 2 on the next save.
export const CATALOG_FILE_VERSION = 2;

interface FileTable {
  id: number;
  name: string;
  columns: ColumnDef[];
  deleted: boolean;
  hard_delete_at: string | null;
}

interface FileDatabase {
  id: number;
  name: string;
  retention_period: string | null;
  retention_period_ns: string | null;
  deleted: boolean;
  hard_delete_at: string | null;
  // Written once the data of a hard-deleted database is gone (absent before, and in older files).
  data_removed_at?: string;
  created_at: string;
  tables: FileTable[];
}

interface FileTrigger {
  trigger_id: number;
  trigger_name: string;
  plugin_filename: string;
  database_name: string;
  database_id: number;
  // Upstream's serde form: "all" or {"nodes": [...]}.
  node_spec: 'all' | { nodes: string[] };
  trigger_specification: string;
  trigger_settings: { run_async: boolean; error_behavior: Trigger['settings']['errorBehavior'] };
  trigger_arguments: Record<string, string> | null;
  disabled: boolean;
  disabled_reason: string | null;
  timeout_ms: number | null;
  memory_limit_bytes?: number | null;
  cpu_limit?: number | null;
  max_processes?: number | null;
}

interface FilePermission {
  resource_type: TokenPermission['resourceType'];
  resource_identifier: string[];
  actions: string[];
}

interface FileToken {
  id: number;
  name: string;
  hash: string;
  created_at: number;
  expiry_millis: number | null;
  description: string | null;
  created_by: number | null;
  updated_at: number | null;
  updated_by: number | null;
  permissions: FilePermission[];
}

interface FileLastCache {
  db_id: number;
  table_id: number;
  table: string;
  name: string;
  key_columns: string[];
  value_columns: string[] | null;
  count: number;
  ttl_seconds: number;
}

interface FileDistinctCache {
  db_id: number;
  table_id: number;
  table: string;
  name: string;
  columns: string[];
  max_cardinality: number;
  max_age_seconds: number;
}

interface CatalogFileV2 {
  version: 2;
  catalog_uuid: string;
  next_database_id: number;
  next_table_id: number;
  databases: FileDatabase[];
  processing_engine_triggers?: { next_id: number; triggers: FileTrigger[] };
  tokens?: { next_id: number; tokens: FileToken[] };
  caches?: { last: FileLastCache[]; distinct: FileDistinctCache[] };
  sequence_number?: number;
}

// Version 1, as written before: databases and caches in camelCase, the other owners' records under `sections`.
interface CatalogFileV1 {
  version: 1;
  catalogUuid: string;
  nextDatabaseId: number;
  nextTableId: number;
  // Version 1 had no data-removed mark.
  databases: Array<Omit<Database, 'dataRemovedAt'>>;
  sections?: {
    processing_engine_triggers?: { next_id: number; triggers: FileTrigger[] };
    tokens?: { next_id: number; tokens: FileToken[] };
    caches?: CacheDefinitions;
  };
}

const tableToFile = (t: Table): FileTable => ({ id: t.id, name: t.name, columns: t.columns, deleted: t.deleted, hard_delete_at: t.hardDeleteAt });
const tableFromFile = (t: FileTable): Table => ({ id: t.id, name: t.name, columns: t.columns, deleted: t.deleted, hardDeleteAt: t.hard_delete_at });

const databaseToFile = (d: Database): FileDatabase => ({
  id: d.id,
  name: d.name,
  retention_period: d.retentionPeriod,
  retention_period_ns: d.retentionPeriodNs,
  deleted: d.deleted,
  hard_delete_at: d.hardDeleteAt,
  ...(d.dataRemovedAt === null ? {} : { data_removed_at: d.dataRemovedAt }),
  created_at: d.createdAt,
  tables: d.tables.map(tableToFile),
});

const databaseFromFile = (d: FileDatabase): Database => ({
  id: d.id,
  name: d.name,
  retentionPeriod: d.retention_period,
  retentionPeriodNs: d.retention_period_ns,
  deleted: d.deleted,
  hardDeleteAt: d.hard_delete_at,
  dataRemovedAt: d.data_removed_at ?? null,
  createdAt: d.created_at,
  tables: d.tables.map(tableFromFile),
});

// Per-trigger limits are written only when set, as older catalogs had none.
function triggerToFile(t: Trigger): FileTrigger {
  const out: FileTrigger = {
    trigger_id: t.id,
    trigger_name: t.name,
    plugin_filename: t.pluginFilename,
    database_name: t.databaseName,
    database_id: t.databaseId,
    node_spec: t.nodeSpec === 'all' ? 'all' : { nodes: [...t.nodeSpec.nodes] },
    trigger_specification: t.specification,
    trigger_settings: { run_async: t.settings.runAsync, error_behavior: t.settings.errorBehavior },
    trigger_arguments: t.arguments,
    disabled: t.disabled,
    disabled_reason: t.disabledReason,
    timeout_ms: t.timeoutMs,
  };
  if (t.memoryLimitBytes !== undefined) out.memory_limit_bytes = t.memoryLimitBytes;
  if (t.cpuLimit !== undefined) out.cpu_limit = t.cpuLimit;
  if (t.maxProcesses !== undefined) out.max_processes = t.maxProcesses;
  return out;
}

function triggerFromFile(t: FileTrigger): Trigger {
  const out: Trigger = {
    id: t.trigger_id,
    name: t.trigger_name,
    pluginFilename: t.plugin_filename,
    databaseName: t.database_name,
    databaseId: t.database_id,
    nodeSpec: t.node_spec === undefined || t.node_spec === 'all' ? 'all' : { nodes: [...t.node_spec.nodes] },
    specification: t.trigger_specification,
    settings: { runAsync: t.trigger_settings.run_async, errorBehavior: t.trigger_settings.error_behavior },
    arguments: t.trigger_arguments,
    disabled: t.disabled,
    disabledReason: t.disabled_reason,
    timeoutMs: t.timeout_ms,
  };
  if (t.memory_limit_bytes !== undefined) out.memoryLimitBytes = t.memory_limit_bytes;
  if (t.cpu_limit !== undefined) out.cpuLimit = t.cpu_limit;
  if (t.max_processes !== undefined) out.maxProcesses = t.max_processes;
  return out;
}

const tokenToFile = (t: ApiToken): FileToken => ({
  id: t.id,
  name: t.name,
  hash: t.hash,
  created_at: t.createdAt,
  expiry_millis: t.expiryMillis,
  description: t.description,
  created_by: t.createdBy,
  updated_at: t.updatedAt,
  updated_by: t.updatedBy,
  permissions: t.permissions.map((p) => ({ resource_type: p.resourceType, resource_identifier: p.resourceIdentifier, actions: p.actions })),
});

const tokenFromFile = (t: FileToken): ApiToken => ({
  id: t.id,
  name: t.name,
  hash: t.hash,
  createdAt: t.created_at,
  expiryMillis: t.expiry_millis,
  description: t.description,
  createdBy: t.created_by,
  updatedAt: t.updated_at,
  updatedBy: t.updated_by,
  permissions: t.permissions.map((p) => ({ resourceType: p.resource_type, resourceIdentifier: p.resource_identifier, actions: p.actions })),
});

const lastToFile = (c: LastCacheDefinition): FileLastCache => ({
  db_id: c.dbId,
  table_id: c.tableId,
  table: c.table,
  name: c.name,
  key_columns: c.keyColumns,
  value_columns: c.valueColumns,
  count: c.count,
  ttl_seconds: c.ttlSeconds,
});

const lastFromFile = (c: FileLastCache): LastCacheDefinition => ({
  dbId: c.db_id,
  tableId: c.table_id,
  table: c.table,
  name: c.name,
  keyColumns: c.key_columns,
  valueColumns: c.value_columns,
  count: c.count,
  ttlSeconds: c.ttl_seconds,
});

const distinctToFile = (c: DistinctCacheDefinition): FileDistinctCache => ({
  db_id: c.dbId,
  table_id: c.tableId,
  table: c.table,
  name: c.name,
  columns: c.columns,
  max_cardinality: c.maxCardinality,
  max_age_seconds: c.maxAgeSeconds,
});

const distinctFromFile = (c: FileDistinctCache): DistinctCacheDefinition => ({
  dbId: c.db_id,
  tableId: c.table_id,
  table: c.table,
  name: c.name,
  columns: c.columns,
  maxCardinality: c.max_cardinality,
  maxAgeSeconds: c.max_age_seconds,
});

const triggersFromFile = (s: { next_id: number; triggers: FileTrigger[] } | undefined): TriggerList | null =>
  s ? { nextId: s.next_id, triggers: s.triggers.map(triggerFromFile) } : null;
const tokensFromFile = (s: { next_id: number; tokens: FileToken[] } | undefined): TokenList | null =>
  s ? { nextId: s.next_id, tokens: s.tokens.map(tokenFromFile) } : null;

export function catalogToFile(state: CatalogState): CatalogFileV2 {
  const file: CatalogFileV2 = {
    version: 2,
    catalog_uuid: state.catalogUuid,
    next_database_id: state.nextDatabaseId,
    next_table_id: state.nextTableId,
    databases: state.databases.map(databaseToFile),
  };
  if (state.triggers) file.processing_engine_triggers = { next_id: state.triggers.nextId, triggers: state.triggers.triggers.map(triggerToFile) };
  if (state.tokens) file.tokens = { next_id: state.tokens.nextId, tokens: state.tokens.tokens.map(tokenToFile) };
  if (state.caches) file.caches = { last: state.caches.last.map(lastToFile), distinct: state.caches.distinct.map(distinctToFile) };
  if (state.sequence !== undefined) file.sequence_number = state.sequence;
  return file;
}

// Reads either version; the result is always the current domain shape.
export function catalogFromFile(doc: unknown): CatalogState {
  const version = (doc as { version?: unknown } | null)?.version;
  if (version === 1) {
    const v1 = doc as CatalogFileV1;
    const sections = v1.sections ?? {};
    return {
      catalogUuid: v1.catalogUuid,
      nextDatabaseId: v1.nextDatabaseId,
      nextTableId: v1.nextTableId,
      databases: v1.databases.map((d) => ({ ...d, dataRemovedAt: null })),
      triggers: triggersFromFile(sections.processing_engine_triggers),
      tokens: tokensFromFile(sections.tokens),
      caches: sections.caches ?? null,
    };
  }
  if (version === 2) {
    const v2 = doc as CatalogFileV2;
    return {
      catalogUuid: v2.catalog_uuid,
      nextDatabaseId: v2.next_database_id,
      nextTableId: v2.next_table_id,
      databases: v2.databases.map(databaseFromFile),
      triggers: triggersFromFile(v2.processing_engine_triggers),
      tokens: tokensFromFile(v2.tokens),
      caches: v2.caches ? { last: v2.caches.last.map(lastFromFile), distinct: v2.caches.distinct.map(distinctFromFile) } : null,
      sequence: v2.sequence_number,
    };
  }
  throw new AppError('catalog_version', `unsupported catalog file version ${JSON.stringify(version)}: this server reads versions 1 and ${CATALOG_FILE_VERSION}`);
}

// The catalog file's state and version, or null when there is none yet.
export function readCatalogFile(file: string): { state: CatalogState; version: number } | null {
  if (!existsSync(file)) return null;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { version?: number };
  return { state: catalogFromFile(doc), version: doc.version ?? 0 };
}

// Writes the file via a temporary file, fsync and rename so a crash leaves the old or the new file. It holds token
// hashes: the file is 0600 (its directory 0700 if created here) whatever the umask.
export function writeCatalogFile(file: string, state: CatalogState): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, JSON.stringify(catalogToFile(state), null, 1));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dfd = openSync(dirname(file), 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
