// Column types a system table may use (Arrow names, as InfluxDB reports them).
export type VirtualColumnType = 'Utf8' | 'Int64' | 'Boolean' | 'Float64' | 'Timestamp(Nanosecond, None)' | 'UInt64' | 'List(Utf8)' | 'List(UInt16)' | 'Interval(MonthDayNano)' | 'Timestamp(Second, None)';

// A table computed outside DuckDB (system.*, information_schema.*), materialised for the one query that reads it.
export interface VirtualTable {
  columns: Array<{ name: string; type: VirtualColumnType }>;
  rows: unknown[][];
}

// Column lists written as [name, type] pairs.
export function virtualColumns(...spec: Array<[string, VirtualColumnType]>): VirtualTable['columns'] {
  return spec.map(([name, type]) => ({ name, type }));
}

// A table whose rows are computed only if a query reads them (listing tables probes names without reading).
export function lazyTable(columns: VirtualTable['columns'], compute: () => unknown[][]): VirtualTable {
  let rows: unknown[][] | undefined;
  return {
    columns,
    get rows() {
      rows ??= compute();
      return rows;
    },
  };
}

// Supplied by the server: the rows of system.<table> for a database, or undefined when there is no such table.
export type SystemTableProvider = (dbName: string, table: string) => VirtualTable | undefined;

// Lists the system tables of a database for information_schema.tables / SHOW TABLES (the names its providers serve).
export type SystemTableLister = (dbName: string) => string[];
