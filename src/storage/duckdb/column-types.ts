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
