import type { Catalog } from '../catalog/catalog.js';
import type { Database } from '../catalog/catalog-resources.js';
import { INTERNAL_DB } from '../catalog/names.js';
import type { ColumnType } from '../types.js';
import { lazyTable, virtualColumns, type SystemTableProvider } from './system-tables.js';

export const CATALOG_SYSTEM_TABLES = ['influxdb_schema', 'databases', 'tables'] as const;

// Upstream's columns. hard_deletion_time is seconds, as upstream's (which also carries the UTC zone).
const SCHEMA_COLUMNS = virtualColumns(['measurement', 'Utf8'], ['key', 'Utf8'], ['data_type', 'Utf8']);
const DATABASE_COLUMNS = virtualColumns(
  ['database_name', 'Utf8'],
  ['retention_period_ns', 'UInt64'],
  ['deleted', 'Boolean'],
  ['hard_deletion_time', 'Timestamp(Second, None)'],
);
const TABLE_COLUMNS = virtualColumns(
  ['database_name', 'Utf8'],
  ['table_name', 'Utf8'],
  ['column_count', 'UInt64'],
  ['series_key_columns', 'Utf8'],
  ['last_cache_count', 'UInt64'],
  ['distinct_cache_count', 'UInt64'],
  ['deleted', 'Boolean'],
  ['hard_deletion_time', 'Timestamp(Second, None)'],
);

// InfluxDB's names for a column's role and field type.
const INFLUX_TYPE: Record<ColumnType, string> = {
  time: 'time',
  tag: 'tag',
  bool: 'boolean',
  int64: 'integer',
  uint64: 'uinteger',
  float64: 'float',
  utf8: 'string',
};

const seconds = (iso: string | null): bigint | null => (iso === null ? null : BigInt(Math.floor(Date.parse(iso) / 1000)));

// system.influxdb_schema in every database (its measurements' columns in InfluxDB's terms); `_internal` also has
// system.databases and system.tables over the whole catalog, deleted ones included.
export function catalogSystemTables(catalog: Catalog): SystemTableProvider {
  return (dbName, table) => {
    if (table === 'influxdb_schema') {
      const db = catalog.database(dbName);
      if (!db) return undefined;
      return lazyTable(SCHEMA_COLUMNS, () =>
        db.tables.filter((t) => !t.deleted).flatMap((t) => t.columns.map((c) => [t.name, c.name, INFLUX_TYPE[c.type]])),
      );
    }
    if (dbName !== INTERNAL_DB) return undefined;
    if (table === 'databases') {
      return lazyTable(DATABASE_COLUMNS, () =>
        catalog.databases(true).map((d) => [d.name, d.retentionPeriodNs === null ? null : BigInt(d.retentionPeriodNs), d.deleted, seconds(d.hardDeleteAt)]),
      );
    }
    if (table === 'tables') return lazyTable(TABLE_COLUMNS, () => catalog.databases(true).flatMap((d) => tableRows(catalog, d)));
    return undefined;
  };
}

function tableRows(catalog: Catalog, db: Database): unknown[][] {
  const caches = catalog.cacheDefinitions();
  return db.tables.map((t) => [
    db.name,
    t.name,
    BigInt(t.columns.length),
    t.columns.filter((c) => c.type === 'tag').map((c) => c.name).join(', '),
    BigInt(caches?.last.filter((c) => c.dbId === db.id && c.tableId === t.id).length ?? 0),
    BigInt(caches?.distinct.filter((c) => c.dbId === db.id && c.tableId === t.id).length ?? 0),
    t.deleted,
    seconds(t.hardDeleteAt),
  ]);
}
