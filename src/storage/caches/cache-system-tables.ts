import type { Catalog } from '../catalog/catalog.js';
import type { Database, DistinctCacheDefinition, LastCacheDefinition, Table } from '../catalog/catalog-resources.js';
import type { SystemTableProvider, VirtualColumnType, VirtualTable } from '../query/system-tables.js';

const cols = (...spec: Array<[string, VirtualColumnType]>): VirtualTable['columns'] => spec.map(([name, type]) => ({ name, type }));

// Upstream's schemas (influxdb3_system_tables last_caches.rs, distinct_caches.rs); column ids are positions in the table.
const LAST_COLUMNS = cols(
  ['table', 'Utf8'],
  ['name', 'Utf8'],
  ['key_column_ids', 'List(UInt16)'],
  ['key_column_names', 'List(Utf8)'],
  ['value_column_ids', 'List(UInt16)'],
  ['value_column_names', 'List(Utf8)'],
  ['count', 'UInt64'],
  ['ttl', 'UInt64'],
);

const DISTINCT_COLUMNS = cols(
  ['table', 'Utf8'],
  ['name', 'Utf8'],
  ['column_ids', 'List(UInt16)'],
  ['column_names', 'List(Utf8)'],
  ['max_cardinality', 'UInt64'],
  ['max_age_seconds', 'UInt64'],
);

export const CACHE_SYSTEM_TABLES = ['last_caches', 'distinct_caches'] as const;

export interface CacheDefinitionSource {
  lastDefinitions(): readonly LastCacheDefinition[];
  distinctDefinitions(): readonly DistinctCacheDefinition[];
}

function ids(table: Table | undefined, names: readonly string[]): number[] {
  return names.map((n) => table?.columns.findIndex((c) => c.name === n) ?? -1).map((i) => (i < 0 ? 0 : i));
}

function tableOf(db: Database, id: number): Table | undefined {
  return db.tables.find((t) => t.id === id);
}

// system.last_caches and system.distinct_caches of a database, computed when read.
export function cacheSystemTables(catalog: Catalog, source: CacheDefinitionSource): SystemTableProvider {
  return (dbName, name) => {
    if (name !== 'last_caches' && name !== 'distinct_caches') return undefined;
    const db = catalog.database(dbName);
    if (!db) return undefined;
    if (name === 'last_caches') {
      const rows = source
        .lastDefinitions()
        .filter((d) => d.dbId === db.id)
        .map((d) => {
          const t = tableOf(db, d.tableId);
          return [
            d.table, d.name, ids(t, d.keyColumns), d.keyColumns,
            d.valueColumns ? ids(t, d.valueColumns) : null, d.valueColumns, BigInt(d.count), BigInt(d.ttlSeconds),
          ];
        });
      return { columns: LAST_COLUMNS, rows };
    }
    const rows = source
      .distinctDefinitions()
      .filter((d) => d.dbId === db.id)
      .map((d) => [d.table, d.name, ids(tableOf(db, d.tableId), d.columns), d.columns, BigInt(d.maxCardinality), BigInt(d.maxAgeSeconds)]);
    return { columns: DISTINCT_COLUMNS, rows };
  };
}
