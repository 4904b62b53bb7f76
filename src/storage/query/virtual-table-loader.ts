import { DuckDBIntervalValue, DuckDBTimestampNanosecondsValue, DuckDBTimestampSecondsValue, LIST, USMALLINT, VARCHAR, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from './sql-names.js';
import type { VirtualColumnType, VirtualTable } from './system-tables.js';

// The DuckDB type each virtual column type is materialised as.
export const DUCK_TYPE: Record<VirtualColumnType, string> = {
  Utf8: 'VARCHAR',
  Int64: 'BIGINT',
  UInt64: 'UBIGINT',
  Float64: 'DOUBLE',
  Boolean: 'BOOLEAN',
  'Timestamp(Nanosecond, None)': 'TIMESTAMP_NS',
  'List(Utf8)': 'VARCHAR[]',
  'List(UInt16)': 'USMALLINT[]',
  'Interval(MonthDayNano)': 'INTERVAL',
  'Timestamp(Second, None)': 'TIMESTAMP_S',
};

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  return BigInt(String(v));
}

function appendValue(appender: DuckDBAppender, type: VirtualColumnType, v: unknown): void {
  if (v === null || v === undefined) return appender.appendNull();
  switch (type) {
    case 'Utf8':
      return appender.appendVarchar(typeof v === 'string' ? v : String(v));
    case 'Int64':
      return appender.appendBigInt(toBigInt(v));
    case 'UInt64':
      return appender.appendUBigInt(toBigInt(v));
    case 'Float64':
      return appender.appendDouble(Number(v));
    case 'Boolean':
      return appender.appendBoolean(Boolean(v));
    case 'Timestamp(Nanosecond, None)':
      return appender.appendTimestampNanoseconds(new DuckDBTimestampNanosecondsValue(toBigInt(v)));
    case 'List(Utf8)':
      return appender.appendList((v as unknown[]).map((x) => (x === null ? null : String(x))), LIST(VARCHAR));
    case 'List(UInt16)':
      return appender.appendList((v as unknown[]).map((x) => (x === null ? null : Number(x))), LIST(USMALLINT));
    // Given in milliseconds; DuckDB keeps microseconds.
    case 'Interval(MonthDayNano)':
      return appender.appendInterval(new DuckDBIntervalValue(0, 0, BigInt(Math.round(Number(v) * 1000))));
    // Given in seconds since the epoch.
    case 'Timestamp(Second, None)':
      return appender.appendTimestampSeconds(new DuckDBTimestampSecondsValue(toBigInt(v)));
  }
}

// Fully qualified name of a connection-local temp table.
export function tempTableRef(name: string): string {
  return `temp.main.${quoteIdent(name)}`;
}

// Copies a computed table into a temp table of this connection, so the query can read it like any other.
export async function loadVirtualTable(conn: DuckDBConnection, name: string, table: VirtualTable): Promise<void> {
  const defs = table.columns.map((c) => `${quoteIdent(c.name)} ${DUCK_TYPE[c.type] ?? 'VARCHAR'}`).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(name)} (${defs})`);
  if (table.rows.length === 0) return;
  const appender = await conn.createAppender(name, 'main', 'temp');
  try {
    for (const row of table.rows) {
      table.columns.forEach((c, i) => appendValue(appender, c.type, row[i]));
      appender.endRow();
    }
    appender.closeSync();
  } catch (err) {
    try {
      appender.clear();
      appender.closeSync();
    } catch {
      // the temp table is dropped after the query anyway
    }
    throw err;
  }
}

// Temp tables live on pooled connections, so each query removes its own.
export async function dropVirtualTables(conn: DuckDBConnection, names: string[]): Promise<void> {
  for (const name of names) await conn.run(`DROP TABLE IF EXISTS ${tempTableRef(name)}`);
}
