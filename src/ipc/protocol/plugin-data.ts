import { PluginValueWriter, type NumberKind } from '../codec/plugin-value-writer.js';
import { PROTOCOL_METHODS, PROTOCOL_SHAPES } from './protocol-methods.js';

// One table's rows of a WAL flush (field name → value; time as bigint ns).
export interface PluginTableBatch {
  tableName: string;
  rows: ReadonlyArray<Record<string, unknown>>;
}

// A result column: its name and Arrow type (which decides how its numbers travel).
export interface PluginColumn {
  name: string;
  type: string;
}

// A whole query result.
export interface PluginQueryResult {
  columns: readonly PluginColumn[];
  rows: readonly unknown[][];
}

const TABLE_NAME = PROTOCOL_SHAPES.tableBatch.tableName;
const COLUMNS = PROTOCOL_SHAPES.tableBatch.columns;
const ROWS = PROTOCOL_SHAPES.tableBatch.rows;
const PAGE = PROTOCOL_METHODS.query.result;

// One writer per process: batches are encoded one at a time on the event loop.
const writer = new PluginValueWriter(1024 * 1024);

const headWriter = new PluginValueWriter(4 * 1024);

type PluginRow = PluginTableBatch['rows'][number];

// Rows whose columns change more often than every this many rows (on average) travel as maps: a run's column list
// costs about one row's keys, and the child builds each run's dicts in one step.
const MIN_AVERAGE_RUN = 4;

// Where a table's runs of rows with the same columns (same names, same order) start, and their columns; null when
// the runs are too short to be worth it.
interface ColumnRuns {
  starts: number[];
  columns: string[][];
}

function columnRuns(rows: readonly PluginRow[]): ColumnRuns | null {
  const starts: number[] = [];
  const columns: string[][] = [];
  let current: string[] | null = null;
  for (let i = 0; i < rows.length; i++) {
    const keys = Object.keys(rows[i]!);
    if (current !== null && sameKeys(current, keys)) continue;
    if ((starts.length + 1) * MIN_AVERAGE_RUN > rows.length) return null;
    starts.push(i);
    columns.push(keys);
    current = keys;
  }
  return { starts, columns };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function writeRow(w: PluginValueWriter, row: PluginRow): void {
  const keys = Object.keys(row);
  w.mapHeader(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    w.key(k, i);
    w.value(row[k]);
  }
}

function writeValues(w: PluginValueWriter, row: PluginRow, columns: readonly string[]): void {
  w.arrayHeader(columns.length);
  for (let i = 0; i < columns.length; i++) w.value(row[columns[i]!]);
}

// A WAL flush as `process_writes` takes it (python-runner/PROTOCOL.md): a `bin` holding the msgpack list of table
// fragments, encoded once so every trigger of the database can be handed the same bytes. Ints/uints are bigint →
// int, floats are number → float (2.0 stays a float), time int ns.
export function encodeTableBatches(batches: readonly PluginTableBatch[]): Buffer {
  return binWrapped(encodeTableBatchParts(batches, Infinity)[0]!);
}

// msgpack `bin` around already encoded bytes: the child decodes it itself, into tuples (cheaper than lists).
export function binWrapped(bytes: Buffer): Buffer {
  const head = Buffer.allocUnsafe(5);
  head[0] = 0xc6;
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

// The flush as `table_batches` lists of about `partBytes` each (a frame must stay under the cap). A list holds
// table fragments: `{table_name, columns, rows: [[value, …]]}` for a run of rows with the same columns, or
// `{table_name, rows: [map]}` when a table's rows change columns too often; a table whose rows span runs or parts
// appears as adjacent fragments with the same table_name, which the child joins (python-runner/PROTOCOL.md
// `process_writes`). One part when the flush is small.
export function encodeTableBatchParts(batches: readonly PluginTableBatch[], partBytes: number): Buffer[] {
  const parts: Buffer[] = [];
  let pieces: Buffer[] = [];
  let fragments = 0;
  let size = 0;
  const closePart = (): void => {
    headWriter.arrayHeader(fragments);
    parts.push(Buffer.concat([headWriter.finish(), ...pieces]));
    pieces = [];
    fragments = 0;
    size = 0;
  };
  for (const batch of batches) {
    const all = batch.rows;
    const runs = columnRuns(all);
    let columns: string[] | null = null;
    let run = 0;
    let rows = 0;
    const closeFragment = (): void => {
      const body = writer.finish();
      headWriter.mapHeader(columns ? 3 : 2);
      headWriter.key(TABLE_NAME);
      headWriter.str(batch.tableName);
      if (columns) {
        headWriter.key(COLUMNS);
        headWriter.arrayHeader(columns.length);
        for (const c of columns) headWriter.str(c);
      }
      headWriter.key(ROWS);
      headWriter.arrayHeader(rows);
      const head = headWriter.finish();
      pieces.push(head, body);
      fragments++;
      size += head.length + body.length;
      rows = 0;
    };
    for (let i = 0; i < all.length; i++) {
      const row = all[i]!;
      if (runs) {
        if (run < runs.starts.length && runs.starts[run] === i) {
          if (rows > 0) closeFragment();
          columns = runs.columns[run++]!;
        }
        writeValues(writer, row, columns!);
      } else {
        writeRow(writer, row);
      }
      rows++;
      if (size + writer.length >= partBytes) {
        closeFragment();
        closePart();
      }
    }
    if (rows > 0 || all.length === 0) closeFragment();
  }
  if (fragments > 0 || parts.length === 0) closePart();
  return parts;
}

const INTEGER_TYPE = /^U?Int(8|16|32|64)$|^Decimal\d*\(\s*\d+\s*,\s*0\s*\)$|^Timestamp|^Duration/;

// How a result column's JS numbers must travel: integer Arrow types as ints, everything else as floats.
export function numberKindFor(arrowType: string): NumberKind {
  const inner = /^Dictionary\(\s*\w+\s*,\s*(.+)\)$/.exec(arrowType)?.[1] ?? arrowType;
  return INTEGER_TYPE.test(inner.trim()) ? 'int' : 'float';
}

// A query result in the protocol's columnar form `{columns, rows}` (python-runner/PROTOCOL.md `query`): every column kept,
// NULL → None, timestamps as int nanoseconds (storage hands them over as bigint).
export function encodeQueryResult(result: PluginQueryResult): Buffer {
  const kinds = result.columns.map((c) => numberKindFor(c.type));
  writer.mapHeader(2);
  writer.key(PAGE.columns);
  writer.arrayHeader(result.columns.length);
  for (const c of result.columns) writer.str(c.name);
  writer.key(ROWS);
  writer.arrayHeader(result.rows.length);
  for (const row of result.rows) {
    writer.arrayHeader(row.length);
    for (let i = 0; i < row.length; i++) writer.value(row[i], kinds[i]);
  }
  return writer.finish();
}

// One page of a query result for a plugin (python-runner/PROTOCOL.md `query` / `query_next`): rows are added chunk by chunk into
// its own buffer (pages of different queries are built concurrently), then framed as
// `{columns?, rows, cursor?}` — `columns` on the first page, `cursor` while more pages follow.
export class QueryPageEncoder {
  private readonly body = new PluginValueWriter(64 * 1024);
  private readonly kinds: NumberKind[];
  private count = 0;

  constructor(private readonly columns: readonly PluginColumn[]) {
    this.kinds = columns.map((c) => numberKindFor(c.type));
  }

  // Encoded bytes of the rows added so far.
  get size(): number {
    return this.body.length;
  }

  get rows(): number {
    return this.count;
  }

  add(rows: readonly unknown[][]): void {
    const kinds = this.kinds;
    for (const row of rows) {
      this.body.arrayHeader(row.length);
      for (let i = 0; i < row.length; i++) this.body.value(row[i], kinds[i]);
    }
    this.count += rows.length;
  }

  finish(withColumns: boolean, cursor: number | null): Buffer {
    const head = new PluginValueWriter(1024);
    head.mapHeader(1 + (withColumns ? 1 : 0) + (cursor === null ? 0 : 1));
    if (withColumns) {
      head.key(PAGE.columns);
      head.arrayHeader(this.columns.length);
      for (const c of this.columns) head.str(c.name);
    }
    if (cursor !== null) {
      head.key(PAGE.cursor);
      head.int(cursor);
    }
    head.key(PAGE.rows);
    head.arrayHeader(this.count);
    return Buffer.concat([head.finish(), this.body.finish()]);
  }
}
