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
const ROWS = PROTOCOL_SHAPES.tableBatch.rows;
const PAGE = PROTOCOL_METHODS.query.result;

// One writer per process: batches are encoded one at a time on the event loop.
const writer = new PluginValueWriter(1024 * 1024);

const headWriter = new PluginValueWriter(4 * 1024);

type PluginRow = PluginTableBatch['rows'][number];

function writeRow(w: PluginValueWriter, row: PluginRow): void {
  const keys = Object.keys(row);
  w.mapHeader(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    w.key(k, i);
    w.value(row[k]);
  }
}

// A WAL flush as `process_writes` expects it, encoded once so every trigger of the database can
// be handed the same bytes: ints/uints are bigint → int, floats are number → float (2.0 stays a float), time int ns.
export function encodeTableBatches(batches: readonly PluginTableBatch[]): Buffer {
  writer.arrayHeader(batches.length);
  for (const batch of batches) {
    writer.mapHeader(2);
    writer.key(TABLE_NAME);
    writer.str(batch.tableName);
    writer.key(ROWS);
    writer.arrayHeader(batch.rows.length);
    for (const row of batch.rows) writeRow(writer, row);
  }
  return writer.finish();
}

// The same flush cut into parts of about `partBytes` each (a frame must stay under the cap): every part is itself
// a `table_batches` list, and a table whose rows span parts appears as adjacent fragments with the same
// table_name, which the child joins (python-runner/PROTOCOL.md `process_writes`). One part when the flush is small.
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
    let rows = 0;
    const closeFragment = (): void => {
      const body = writer.finish();
      headWriter.mapHeader(2);
      headWriter.key(TABLE_NAME);
      headWriter.str(batch.tableName);
      headWriter.key(ROWS);
      headWriter.arrayHeader(rows);
      const head = headWriter.finish();
      pieces.push(head, body);
      fragments++;
      size += head.length + body.length;
      rows = 0;
    };
    for (const row of batch.rows) {
      writeRow(writer, row);
      rows++;
      if (size + writer.length >= partBytes) {
        closeFragment();
        closePart();
      }
    }
    if (rows > 0 || batch.rows.length === 0) closeFragment();
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
