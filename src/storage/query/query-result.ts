// One result column: its name and the Arrow type name InfluxDB 3 would report for it.
export interface QueryColumn {
  name: string;
  type: string;
}

/**
 * A materialised query result. Values: bigint for 64-bit integers, number for floats, string,
 * boolean, bigint nanoseconds for timestamps (the unit is in the column type), null; nested
 * values as arrays and plain objects.
 */
export interface QueryResult {
  columns: QueryColumn[];
  rows: unknown[][];
}

// InfluxDB sends parameter values as strings (the HTTP API also allows JSON scalars).
export type QueryParams = Record<string, string | number | boolean | null>;
