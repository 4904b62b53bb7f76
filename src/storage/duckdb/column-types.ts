import type { ColumnType } from '../types.js';

// InfluxDB column kinds mapped to the DuckDB type that stores them.
export function duckdbTypeFor(type: ColumnType): string {
  switch (type) {
    case 'tag':
    case 'utf8':
      return 'VARCHAR';
    case 'time':
      return 'TIMESTAMP_NS';
    case 'int64':
      return 'BIGINT';
    case 'uint64':
      return 'UBIGINT';
    case 'float64':
      return 'DOUBLE';
    case 'bool':
      return 'BOOLEAN';
  }
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

// Best guess for a physical column nobody registered (VARCHAR cannot tell a tag from a string field).
export function columnTypeFromDuckdb(name: string, duckType: string): ColumnType | undefined {
  switch (duckType.toUpperCase()) {
    case 'TIMESTAMP_NS':
      return name === 'time' ? 'time' : undefined;
    case 'BIGINT':
      return 'int64';
    case 'UBIGINT':
      return 'uint64';
    case 'DOUBLE':
      return 'float64';
    case 'BOOLEAN':
      return 'bool';
    case 'VARCHAR':
      return 'utf8';
    default:
      return undefined;
  }
}
