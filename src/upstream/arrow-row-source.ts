import { DataType, TimeUnit, Type, makeVector, type Data, type Field, type RecordBatch, type RecordBatchReader, type Schema } from 'apache-arrow';
import type { QueryColumn } from '../storage/query/query-result.js';
import type { RowSource } from '../storage/query/query-engine.js';

const UNIT_NAMES: Record<number, string> = { [TimeUnit.SECOND]: 'Second', [TimeUnit.MILLISECOND]: 'Millisecond', [TimeUnit.MICROSECOND]: 'Microsecond', [TimeUnit.NANOSECOND]: 'Nanosecond' };
const NANOS_PER_UNIT: Record<number, bigint> = { [TimeUnit.SECOND]: 1_000_000_000n, [TimeUnit.MILLISECOND]: 1_000_000n, [TimeUnit.MICROSECOND]: 1_000n, [TimeUnit.NANOSECOND]: 1n };

// One column's reader: the type name the local query path reports and how a value at a row of a batch becomes the
// plain JS value the local path gives (bigint for 64-bit ints, number for floats, bigint ns for timestamps, …).
interface ColumnReader {
  type: string;
  read(data: Data, row: number): unknown;
}

// DataFusion's names for Arrow types (what InfluxDB 3 and the local path call them), e.g. `Timestamp(Nanosecond, None)`.
export function arrowTypeName(type: DataType): string {
  if (DataType.isDictionary(type)) return `Dictionary(${arrowTypeName(type.indices)}, ${arrowTypeName(type.dictionary)})`;
  if (DataType.isInt(type)) return `${type.isSigned ? 'Int' : 'UInt'}${type.bitWidth}`;
  if (DataType.isFloat(type)) return ['Float16', 'Float32', 'Float64'][type.precision] ?? 'Float64';
  if (DataType.isTimestamp(type)) return `Timestamp(${UNIT_NAMES[type.unit]}, ${type.timezone ? `Some("${type.timezone}")` : 'None'})`;
  if (DataType.isTime(type)) return `Time${type.bitWidth}(${UNIT_NAMES[type.unit]})`;
  if (DataType.isBool(type)) return 'Boolean';
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return 'Utf8';
  if (DataType.isBinary(type) || DataType.isLargeBinary(type)) return 'Binary';
  if (DataType.isDate(type)) return 'Date32';
  if (DataType.isDecimal(type)) return 'Float64';
  if (DataType.isNull(type)) return 'Null';
  if (DataType.isList(type)) return `List(${arrowTypeName(type.children[0]!.type)})`;
  return 'Utf8';
}

const isValid = (data: Data, row: number): boolean => data.getValid(row);
// 64-bit ints and timestamps straight from the value buffer: apache-arrow's get() turns timestamps into ms numbers.
const raw64 = (data: Data, row: number): bigint => (data.values as BigInt64Array)[data.offset + row]!;

function readerFor(field: Field): ColumnReader {
  const type = field.type as DataType;
  const name = arrowTypeName(type);
  const viaVector = (convert: (v: unknown) => unknown) => (data: Data, row: number): unknown => convert(makeVector(data).get(row));
  if (DataType.isTimestamp(type)) {
    const factor = NANOS_PER_UNIT[type.unit]!;
    return { type: name, read: (data, row) => BigInt.asIntN(64, raw64(data, row)) * factor };
  }
  if (DataType.isInt(type)) {
    if (type.bitWidth === 64) return { type: name, read: type.isSigned ? raw64 : (data, row) => BigInt.asUintN(64, raw64(data, row)) };
    return { type: name, read: (data, row) => Number((data.values as Int32Array)[data.offset + row]) };
  }
  if (DataType.isFloat(type) && type.precision !== 0) return { type: name, read: (data, row) => Number((data.values as Float64Array)[data.offset + row]) };
  if (DataType.isDictionary(type) || DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return { type: name, read: viaVector((v) => String(v)) };
  if (DataType.isBool(type)) return { type: name, read: viaVector((v) => Boolean(v)) };
  if (DataType.isBinary(type) || DataType.isLargeBinary(type)) return { type: name, read: viaVector((v) => Buffer.from(v as Uint8Array).toString('hex')) };
  if (DataType.isDate(type)) return { type: name, read: viaVector((v) => new Date(Number(v)).toISOString().slice(0, 10)) };
  if (DataType.isDecimal(type) || (DataType.isFloat(type) && type.precision === 0)) return { type: name, read: viaVector((v) => Number(v)) };
  if (type.typeId === Type.Null) return { type: name, read: () => null };
  return { type: name, read: viaVector((v) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)) : String(v))) };
}

// The columns of a result's Arrow schema, named and typed as the local query path names them.
export function columnsOfSchema(schema: Schema): QueryColumn[] {
  return schema.fields.map((f) => ({ name: f.name, type: readerFor(f).type }));
}

// One record batch as rows of plain JS values (NULL → null).
export function rowsOfBatch(batch: RecordBatch, readers?: ColumnReader[]): unknown[][] {
  const cols = readers ?? batch.schema.fields.map(readerFor);
  const n = batch.numRows;
  const rows: unknown[][] = new Array(n);
  for (let r = 0; r < n; r++) rows[r] = new Array(cols.length);
  cols.forEach((col, c) => {
    const data = batch.data.children[c]!;
    for (let r = 0; r < n; r++) rows[r]![c] = isValid(data, r) ? col.read(data, r) : null;
  });
  return rows;
}

// An Arrow IPC stream (an opened reader) as the RowSource plugin queries page through: one record batch at a time,
// so a large upstream result is never held whole.
export function rowSourceOfArrow(reader: RecordBatchReader): RowSource {
  const readers = reader.schema.fields.map(readerFor);
  return {
    columns: reader.schema.fields.map((f, i) => ({ name: f.name, type: readers[i]!.type })),
    next: async () => {
      for (;;) {
        const step = await reader.next();
        if (step.done) return null;
        if (step.value.numRows > 0) return rowsOfBatch(step.value, readers);
      }
    },
  };
}
