import type { Database, DistinctCacheDefinition, LastCacheDefinition, Table } from '../catalog/catalog-resources.js';

/**
 * Upstream answers a cache create with the catalog batch that created it (an OrderedCatalogBatch as serde writes
 * it): {"catalog_batch":{"Database":{time_ns, database_id, database_name, ops:[{"CreateLastCache"|"CreateDistinctCache":
 * definition}]}},"sequence_number":N}. Column identifiers are `"timestamp"`, {"tag": n} or {"field": [family, n]};
 * here n is the column's position among the table's tags or fields, all fields in family 0.
 */
export interface CacheBatchContext {
  db: Database;
  table: Table;
  sequence: number;
  timeNs: bigint;
  // The definition's position among its table's caches of the same kind (upstream's table-scoped cache id).
  cacheId: number;
}

function columnIdentifier(table: Table, name: string): unknown {
  const col = table.columns.find((c) => c.name === name);
  if (!col || col.type === 'time') return 'timestamp';
  if (col.type === 'tag') return { tag: table.columns.filter((c) => c.type === 'tag').findIndex((c) => c.name === name) };
  const fields = table.columns.filter((c) => c.type !== 'tag' && c.type !== 'time');
  return { field: [0, fields.findIndex((c) => c.name === name)] };
}

function batch(ctx: CacheBatchContext, op: Record<string, unknown>): string {
  // time_ns is an i64: written as a bare integer, which JSON.stringify cannot do for a bigint.
  const doc = {
    catalog_batch: { Database: { time_ns: '__TIME_NS__', database_id: ctx.db.id, database_name: ctx.db.name, ops: [op] } },
    sequence_number: ctx.sequence,
  };
  return JSON.stringify(doc).replace('"__TIME_NS__"', ctx.timeNs.toString());
}

export function lastCacheBatch(def: LastCacheDefinition, ctx: CacheBatchContext): string {
  return batch(ctx, {
    CreateLastCache: {
      table_id: def.tableId,
      table: def.table,
      id: ctx.cacheId,
      node_spec: 'all',
      name: def.name,
      key_columns: def.keyColumns.map((c) => columnIdentifier(ctx.table, c)),
      value_columns: def.valueColumns === null ? 'all_non_key_columns' : { explicit: { columns: def.valueColumns.map((c) => columnIdentifier(ctx.table, c)) } },
      count: def.count,
      ttl: def.ttlSeconds,
    },
  });
}

export function distinctCacheBatch(def: DistinctCacheDefinition, ctx: CacheBatchContext): string {
  return batch(ctx, {
    CreateDistinctCache: {
      table_id: def.tableId,
      table_name: def.table,
      node_spec: 'all',
      cache_id: ctx.cacheId,
      cache_name: def.name,
      column_ids: def.columns.map((c) => columnIdentifier(ctx.table, c)),
      max_cardinality: def.maxCardinality,
      max_age_seconds: def.maxAgeSeconds,
      source: { type: 'User' },
    },
  });
}
