import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, type DuckDBAppender } from '@duckdb/node-api';
import type { ColumnDef, ColumnType, FieldValue, WriteRow } from '../types.js';
import { StringSlots, STRING_SLOT } from './string-slots.js';

const CHUNK_ROWS = duckdb.vector_size();

// Column kinds as small integers so the hot loop switches on a number.
const K_STR = 0;
const K_TIME = 1;
const K_I64 = 2;
const K_U64 = 3;
const K_F64 = 4;
const K_BOOL = 5;

function kindOf(type: ColumnType): number {
  switch (type) {
    case 'tag':
    case 'utf8':
      return K_STR;
    case 'time':
      return K_TIME;
    case 'int64':
      return K_I64;
    case 'uint64':
      return K_U64;
    case 'float64':
      return K_F64;
    case 'bool':
      return K_BOOL;
  }
}

const LOGICAL: Record<number, duckdb.Type> = {
  [K_STR]: duckdb.Type.VARCHAR,
  [K_TIME]: duckdb.Type.TIMESTAMP_NS,
  [K_I64]: duckdb.Type.BIGINT,
  [K_U64]: duckdb.Type.UBIGINT,
  [K_F64]: duckdb.Type.DOUBLE,
  [K_BOOL]: duckdb.Type.BOOLEAN,
};
const WIDTH: Record<number, number> = { [K_STR]: STRING_SLOT, [K_TIME]: 8, [K_I64]: 8, [K_U64]: 8, [K_F64]: 8, [K_BOOL]: 1 };

interface ColumnBuffer {
  kind: number;
  width: number;
  bytes: Uint8Array;
  f64: Float64Array;
  i64: BigInt64Array;
  u64: BigUint64Array;
  str: StringSlots | undefined;
  validity: Uint8Array;
  hasNull: boolean;
  // String slots too long to inline: [slot, value, slot, value, ...], assigned through DuckDB after the copy.
  long: Array<number | string>;
}

function makeBuffer(kind: number): ColumnBuffer {
  const width = WIDTH[kind]!;
  const buffer = new ArrayBuffer(width * CHUNK_ROWS);
  return {
    kind,
    width,
    bytes: new Uint8Array(buffer),
    f64: kind === K_F64 ? new Float64Array(buffer) : new Float64Array(0),
    i64: kind === K_TIME || kind === K_I64 ? new BigInt64Array(buffer) : new BigInt64Array(0),
    u64: kind === K_U64 ? new BigUint64Array(buffer) : new BigUint64Array(0),
    str: kind === K_STR ? new StringSlots(buffer) : undefined,
    validity: new Uint8Array(CHUNK_ROWS / 8),
    hasNull: false,
    long: [],
  };
}

// Writes one value into its slot; false when it does not fit the column (stored as NULL instead).
function put(col: ColumnBuffer, r: number, value: FieldValue): boolean {
  switch (col.kind) {
    case K_F64:
      if (typeof value === 'number') col.f64[r] = value;
      else if (typeof value === 'bigint') col.f64[r] = Number(value);
      else return false;
      return true;
    case K_I64:
      if (typeof value === 'bigint' && BigInt.asIntN(64, value) === value) col.i64[r] = value;
      else if (typeof value === 'number' && Number.isSafeInteger(value)) col.i64[r] = BigInt(value);
      else return false;
      return true;
    case K_U64:
      if (typeof value === 'bigint' && BigInt.asUintN(64, value) === value) col.u64[r] = value;
      else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) col.u64[r] = BigInt(value);
      else return false;
      return true;
    case K_BOOL:
      if (typeof value !== 'boolean') return false;
      col.bytes[r] = value ? 1 : 0;
      return true;
    case K_STR:
      col.str!.put(r, typeof value === 'string' ? value : String(value), col.long);
      return true;
    default:
      return false;
  }
}

function setNull(col: ColumnBuffer, r: number): void {
  col.validity[r >> 3]! &= ~(1 << (r & 7));
  col.hasNull = true;
}

function flushColumn(col: ColumnBuffer, vector: duckdb.Vector, count: number): void {
  duckdb.copy_data_to_vector(vector, 0, col.bytes.buffer as ArrayBuffer, 0, count * col.width);
  for (let i = 0; i < col.long.length; i += 2) {
    duckdb.vector_assign_string_element(vector, col.long[i] as number, col.long[i + 1] as string);
  }
  if (col.hasNull) {
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, col.validity.buffer as ArrayBuffer, 0, Math.ceil(count / 64) * 8);
  }
}

// Thrown when a row carries a column the table lacks: the caller evolves the schema and retries.
export class UnknownColumnError extends Error {
  constructor(readonly column: string) {
    super(`column '${column}' is not in the table`);
  }
}

// Reported so the store can log values it had to store as NULL.
export interface ChunkWriteStats {
  rows: number;
  coercedToNull: number;
}

/**
 * Rows arrive sparse (only the columns they carry); they are written column-wise into raw vector
 * buffers, 2048 rows per DataChunk, so the cost per row is a few typed-array stores, not DuckDB calls.
 */
export function appendRows(
  appender: DuckDBAppender,
  columns: ColumnDef[],
  rows: WriteRow[],
  from = 0,
  to = rows.length,
): ChunkWriteStats {
  const ncols = columns.length;
  const kinds = columns.map((c) => kindOf(c.type));
  const index = new Map<string, number>();
  columns.forEach((c, i) => index.set(c.name, i));
  const timeIdx = kinds.indexOf(K_TIME);
  if (timeIdx < 0) throw new Error('table has no time column');
  const bufs = kinds.map(makeBuffer);
  const timeCol = bufs[timeIdx]!.i64;
  const stamp = new Int32Array(ncols);
  const chunk = duckdb.create_data_chunk(kinds.map((k) => duckdb.create_logical_type(LOGICAL[k]!)));
  const wrapped = new DuckDBDataChunk(chunk);
  let coercedToNull = 0;
  // Rows of one table nearly always repeat the same key order, so remember each position's last lookup.
  const tagKeys: string[] = [];
  const tagCols: number[] = [];
  const fieldKeys: string[] = [];
  const fieldCols: number[] = [];

  for (let offset = from; offset < to; offset += CHUNK_ROWS) {
    const count = Math.min(CHUNK_ROWS, to - offset);
    for (const b of bufs) {
      b.validity.fill(0xff);
      b.hasNull = false;
      b.long.length = 0;
    }
    stamp.fill(-1);
    for (let r = 0; r < count; r++) {
      const row = rows[offset + r]!;
      timeCol[r] = row.time;
      stamp[timeIdx] = r;
      const tags = row.tags;
      for (let t = 0; t < tags.length; t++) {
        const tag = tags[t]!;
        let c: number | undefined;
        if (tagKeys[t] === tag[0]) c = tagCols[t]!;
        else {
          c = index.get(tag[0]);
          if (c === undefined) throw new UnknownColumnError(tag[0]);
          tagKeys[t] = tag[0];
          tagCols[t] = c;
        }
        if (c === timeIdx) continue;
        if (put(bufs[c]!, r, tag[1])) stamp[c] = r;
      }
      const fields = row.fields;
      for (let f = 0; f < fields.length; f++) {
        const field = fields[f]!;
        let c: number | undefined;
        if (fieldKeys[f] === field.key) c = fieldCols[f]!;
        else {
          c = index.get(field.key);
          if (c === undefined) throw new UnknownColumnError(field.key);
          fieldKeys[f] = field.key;
          fieldCols[f] = c;
        }
        if (c === timeIdx) continue;
        if (put(bufs[c]!, r, field.value)) stamp[c] = r;
        else coercedToNull++;
      }
      for (let c = 0; c < ncols; c++) if (stamp[c] !== r) setNull(bufs[c]!, r);
    }
    duckdb.data_chunk_reset(chunk);
    duckdb.data_chunk_set_size(chunk, count);
    for (let c = 0; c < ncols; c++) flushColumn(bufs[c]!, duckdb.data_chunk_get_vector(chunk, c), count);
    appender.appendDataChunk(wrapped);
  }
  return { rows: to - from, coercedToNull };
}
