// The data model shared by the write path, the WAL, the catalog and the DuckDB store.

// Field types as InfluxDB 3 names them in the API (`utf8` is the string type).
export type FieldType = 'int64' | 'uint64' | 'float64' | 'utf8' | 'bool';
export type ColumnType = 'tag' | 'time' | FieldType;

// int64 and uint64 values are bigint everywhere in the server, floats are number.
export type FieldValue = bigint | number | string | boolean;

export interface Field {
  key: string;
  type: FieldType;
  value: FieldValue;
}

export type Precision = 'auto' | 'ns' | 'us' | 'ms' | 's';

// One parsed line of line protocol; the timestamp is still in the request's precision.
export interface ParsedLine {
  measurement: string;
  tags: Array<[string, string]>;
  fields: Field[];
  timestamp: bigint | null;
}

// A refused line of a write: its 1-based number, its text and why (the HTTP edge renders these as InfluxDB does).
export interface LineError {
  lineNumber: number;
  raw: string;
  message: string;
}

// A row ready to store: the table, its tags and fields in written order, time in ns since the epoch.
export interface WriteRow {
  table: string;
  tags: Array<[string, string]>;
  fields: Field[];
  time: bigint;
}

// One table's rows in a WAL flush, in the shape plugins receive (only the columns present in each row).
export interface TableBatch {
  table_name: string;
  rows: Array<Record<string, string | number | bigint | boolean>>;
}

// Emitted per database at every --wal-flush-interval that saw writes.
export interface WalFlushEvent {
  database: string;
  tables: TableBatch[];
  // WAL positions (crash-safe delivery): the first and last seq of this database's writes in the flush, and the
  // highest seq the flush buffer had seen when it flushed (every record up to it, of any database, is in this flush
  // or an earlier one).
  firstSeq: bigint;
  lastSeq: bigint;
  throughSeq: bigint;
}

export interface ColumnDef {
  name: string;
  type: ColumnType;
}
