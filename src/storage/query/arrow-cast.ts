import type { ColumnType } from '../types.js';

const SIMPLE: Record<string, string> = {
  Null: '"NULL"',
  Boolean: 'BOOLEAN',
  Int8: 'TINYINT',
  Int16: 'SMALLINT',
  Int32: 'INTEGER',
  Int64: 'BIGINT',
  UInt8: 'UTINYINT',
  UInt16: 'USMALLINT',
  UInt32: 'UINTEGER',
  UInt64: 'UBIGINT',
  Float16: 'FLOAT',
  Float32: 'FLOAT',
  Float64: 'DOUBLE',
  Utf8: 'VARCHAR',
  LargeUtf8: 'VARCHAR',
  Utf8View: 'VARCHAR',
  Binary: 'BLOB',
  LargeBinary: 'BLOB',
  BinaryView: 'BLOB',
  Date32: 'DATE',
  Date64: 'DATE',
};

const TIMESTAMP_UNITS: Record<string, string> = {
  Second: 'TIMESTAMP_S',
  Millisecond: 'TIMESTAMP_MS',
  Microsecond: 'TIMESTAMP',
  Nanosecond: 'TIMESTAMP_NS',
};

// DataFusion's arrow_cast type strings, as the DuckDB type a CAST needs; undefined when we cannot express it.
export function duckdbTypeForArrow(arrowType: string): string | undefined {
  const t = arrowType.trim();
  if (SIMPLE[t]) return SIMPLE[t];
  const ts = /^Timestamp\(\s*(Second|Millisecond|Microsecond|Nanosecond)\s*,\s*(None|Some\(\s*"[^"]*"\s*\))\s*\)$/.exec(t);
  if (ts) return ts[2] === 'None' ? TIMESTAMP_UNITS[ts[1]!] : 'TIMESTAMPTZ';
  const dict = /^Dictionary\(\s*\w+\s*,\s*(.+)\)$/.exec(t);
  if (dict) return duckdbTypeForArrow(dict[1]!);
  const dec = /^Decimal(?:128|256)?\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/.exec(t);
  if (dec && Number(dec[1]) <= 38 && Number(dec[2]) >= 0) return `DECIMAL(${dec[1]}, ${dec[2]})`;
  if (/^Interval\(\s*(YearMonth|DayTime|MonthDayNano)\s*\)$/.test(t)) return 'INTERVAL';
  if (/^Time(32|64)\(\s*\w+\s*\)$/.test(t)) return 'TIME';
  return undefined;
}

const INTEGER_TARGETS = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT']);
const TIMESTAMP_MACROS: Record<string, string> = {
  TIMESTAMP_NS: 'to_timestamp_nanos',
  TIMESTAMP: 'to_timestamp_micros',
  TIMESTAMP_MS: 'to_timestamp_millis',
  TIMESTAMP_S: 'to_timestamp_seconds',
};

/**
 * SQL for arrow_cast(expr, 'Type'). Where Arrow and DuckDB casts differ, Arrow's meaning wins:
 * a timestamp cast to an integer is its epoch value, an integer cast to a timestamp is an epoch value.
 */
export function arrowCastSql(arrowType: string, expr: string): string | undefined {
  const target = duckdbTypeForArrow(arrowType);
  if (!target) return undefined;
  if (INTEGER_TARGETS.has(target)) return `CAST(__iox_to_integer(${expr}) AS ${target})`;
  const macro = TIMESTAMP_MACROS[target];
  if (macro) return `${macro}(${expr})`;
  return `CAST((${expr}) AS ${target})`;
}

// The Arrow type names InfluxDB 3 reports in information_schema and result schemas.
export function arrowTypeFor(type: ColumnType): string {
  switch (type) {
    case 'tag':
      return 'Dictionary(Int32, Utf8)';
    case 'time':
      return 'Timestamp(Nanosecond, None)';
    case 'int64':
      return 'Int64';
    case 'uint64':
      return 'UInt64';
    case 'float64':
      return 'Float64';
    case 'utf8':
      return 'Utf8';
    case 'bool':
      return 'Boolean';
  }
}
