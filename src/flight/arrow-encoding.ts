import {
  Bool,
  DataType,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  Uint8,
  vectorFromArray,
  makeData,
  makeVector,
  Message,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeUnit,
  Time,
  Timestamp,
  tableToIPC,
  Uint64,
  Utf8,
  type Data,
} from 'apache-arrow';
import type { QueryColumn } from '../storage/query/query-result.js';
import { nestedColumnType, nestedData } from './arrow-nested.js';

// One Flight message: the IPC Message flatbuffer (FlightData.data_header) and its body (FlightData.data_body).
export interface IpcMessage {
  header: Uint8Array;
  body: Uint8Array;
}

const NANOS_PER_UNIT: Record<number, bigint> = { [TimeUnit.SECOND]: 1_000_000_000n, [TimeUnit.MILLISECOND]: 1_000_000n, [TimeUnit.MICROSECOND]: 1_000n, [TimeUnit.NANOSECOND]: 1n };

type Kind = 'dict' | 'timestamp' | 'time' | 'float' | 'int' | 'int32' | 'uint' | 'uint8' | 'bool' | 'utf8' | 'list' | 'nested';

// A column to encode: a query column, or a Flight SQL metadata column whose nullability the specification fixes.
export interface ArrowColumn extends QueryColumn {
  nullable?: boolean;
}

interface ColumnPlan {
  name: string;
  kind: Kind;
  unit: TimeUnit;
  type: DataType;
}

const TIME_UNITS: Record<string, TimeUnit> = {
  Second: TimeUnit.SECOND,
  Millisecond: TimeUnit.MILLISECOND,
  Microsecond: TimeUnit.MICROSECOND,
  Nanosecond: TimeUnit.NANOSECOND,
};

// The column roles InfluxDB 3 puts in each field's `iox::column::type` metadata (the v3 clients' queryPoints reads it).
function columnRole(plan: ColumnPlan): string | null {
  switch (plan.kind) {
    case 'dict':
      return plan.name === 'iox::measurement' ? null : 'iox::column_type::tag';
    case 'timestamp':
      return plan.name === 'time' ? 'iox::column_type::timestamp' : null;
    case 'float':
      return 'iox::column_type::field::float';
    case 'int':
    case 'int32':
    case 'uint8':
      return 'iox::column_type::field::integer';
    case 'uint':
      return 'iox::column_type::field::uinteger';
    case 'bool':
      return 'iox::column_type::field::boolean';
    case 'utf8':
      return 'iox::column_type::field::string';
    case 'list':
    case 'nested':
    case 'time':
      return null;
  }
}

function planColumn(col: ArrowColumn): ColumnPlan {
  const t = col.type;
  const ts = /^Timestamp\((\w+), (?:Some\("(.*)"\)|None)\)$/.exec(t);
  if (ts && TIME_UNITS[ts[1]!] !== undefined) {
    const unit = TIME_UNITS[ts[1]!]!;
    return { name: col.name, kind: 'timestamp', unit, type: new Timestamp(unit, ts[2] ?? null) };
  }
  const time = /^Time64\((Microsecond|Nanosecond)\)$/.exec(t);
  if (time) {
    const unit = TIME_UNITS[time[1]!]!;
    return { name: col.name, kind: 'time', unit, type: new Time(unit, 64) };
  }
  const base = { name: col.name, unit: TimeUnit.NANOSECOND };
  if (/^Dictionary\(\w+, Utf8\)$/.test(t)) return { ...base, kind: 'dict', type: new Dictionary(new Utf8(), new Int32()) };
  if (t === 'Float64' || t === 'Float32') return { ...base, kind: 'float', type: new Float64() };
  if (t === 'Int32') return { ...base, kind: 'int32', type: new Int32() };
  if (t === 'UInt8') return { ...base, kind: 'uint8', type: new Uint8() };
  // Flight SQL's create_params (a metadata column: its nullability is given): a list of non-null strings.
  if (t === 'List(Utf8)' && col.nullable !== undefined) return { ...base, kind: 'list', type: new List(new Field('item', new Utf8(), false)) };
  const nested = nestedColumnType(t);
  if (nested) return { ...base, kind: 'nested', type: nested };
  if (/^Int(8|16|32|64)$/.test(t)) return { ...base, kind: 'int', type: new Int64() };
  if (/^UInt(8|16|32|64)$/.test(t)) return { ...base, kind: 'uint', type: new Uint64() };
  if (t === 'Boolean') return { ...base, kind: 'bool', type: new Bool() };
  // Utf8 and anything else (lists, dates, …) travels as text.
  return { ...base, kind: 'utf8', type: new Utf8() };
}

// Turns a query's columns into an Arrow schema and its rows into IPC messages, a batch at a time.
export class ArrowEncoder {
  readonly schema: Schema;
  private readonly plans: ColumnPlan[];

  // `influx`: annotate fields with InfluxDB's column roles (query results; not Flight SQL metadata).
  constructor(columns: ArrowColumn[], influx = true) {
    this.plans = columns.map(planColumn);
    this.schema = new Schema(
      this.plans.map((p, i) => {
        const role = influx ? columnRole(p) : null;
        return new Field(p.name, p.type, columns[i]!.nullable ?? true, role ? new Map([['iox::column::type', role]]) : undefined);
      }),
    );
  }

  // The schema as Flight's FlightInfo.schema and SchemaResult carry it: continuation token, length, flatbuffer.
  encapsulatedSchema(): Uint8Array {
    const { header } = this.schemaMessage();
    const prefix = Buffer.alloc(8);
    prefix.writeInt32LE(-1, 0);
    prefix.writeInt32LE(header.length, 4);
    return Buffer.concat([prefix, header]);
  }

  // The schema message, sent first.
  schemaMessage(): IpcMessage {
    return splitIpcStream(tableToIPC(new Table(this.schema), 'stream'))[0]!;
  }

  // The dictionary batches (one per tag column) and the record batch holding `rows`.
  batchMessages(rows: unknown[][]): IpcMessage[] {
    const children = this.plans.map((p, c) => columnData(p, rows, c));
    const data = makeData({ type: new Struct(this.schema.fields), length: rows.length, nullCount: 0, children });
    const batch = new RecordBatch(this.schema, data);
    // The IPC stream of one batch: schema, dictionaries, batch; the schema went out first.
    return splitIpcStream(tableToIPC(new Table([batch]), 'stream')).slice(1);
  }
}

// The messages of an Arrow IPC stream (Columnar format: continuation marker, metadata length, flatbuffer, body).
export function splitIpcStream(bytes: Uint8Array): IpcMessage[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: IpcMessage[] = [];
  let off = 0;
  while (off + 4 <= bytes.length) {
    let length = view.getInt32(off, true);
    off += 4;
    if (length === -1) {
      length = view.getInt32(off, true);
      off += 4;
    }
    if (length === 0) break;
    const header = bytes.subarray(off, off + length);
    const bodyLength = Message.decode(header).bodyLength;
    off += length;
    out.push({ header, body: bytes.subarray(off, off + bodyLength) });
    off += bodyLength;
  }
  return out;
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return BigInt(String(v));
}

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function utf8Data(values: Array<string | null>): Data<Utf8> {
  return bytesData(new Utf8(), values.map((v) => (v === null ? null : Buffer.from(v, 'utf8'))));
}

function timeOfDay(text: string, perSecond: bigint): bigint {
  const m = /^(\d+):(\d+):(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return 0n;
  const digits = perSecond === 1_000_000_000n ? 9 : 6;
  const fraction = BigInt((m[4] ?? '').slice(0, digits).padEnd(digits, '0'));
  return (BigInt(m[1]!) * 3600n + BigInt(m[2]!) * 60n + BigInt(m[3]!)) * perSecond + fraction;
}

// One pass per column: values and the validity bitmap together (a batch holds up to 65,536 rows, so the loops are
// hot; each kind has its own loop rather than a callback per value).
function columnData(p: ColumnPlan, rows: unknown[][], c: number): Data {
  const n = rows.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  switch (p.kind) {
    case 'float': {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i]![c];
        if (v === null || v === undefined) nulls++;
        else {
          values[i] = typeof v === 'number' ? v : Number(v);
          bitmap[i >> 3]! |= 1 << (i & 7);
        }
      }
      return makeData({ type: p.type as Float64, length: n, nullCount: nulls, nullBitmap: bitmap, data: values });
    }
    case 'int': {
      const values = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i]![c];
        if (v === null || v === undefined) nulls++;
        else {
          values[i] = typeof v === 'bigint' ? v : toBigInt(v);
          bitmap[i >> 3]! |= 1 << (i & 7);
        }
      }
      return makeData({ type: p.type as Int64, length: n, nullCount: nulls, nullBitmap: bitmap, data: values });
    }
    case 'timestamp': {
      // Rows carry nanoseconds whatever the column's unit; the Arrow column counts in its unit.
      const per = NANOS_PER_UNIT[p.unit] ?? 1n;
      const values = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i]![c];
        if (v === null || v === undefined) nulls++;
        else {
          const ns = typeof v === 'bigint' ? v : toBigInt(v);
          values[i] = per === 1n ? ns : ns / per;
          bitmap[i >> 3]! |= 1 << (i & 7);
        }
      }
      return makeData({ type: p.type as Int64, length: n, nullCount: nulls, nullBitmap: bitmap, data: values });
    }
    case 'time': {
      // Times arrive as text (HH:MM:SS[.fraction]); Time64 counts units since midnight.
      const perSecond = p.unit === TimeUnit.NANOSECOND ? 1_000_000_000n : 1_000_000n;
      const values = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i]![c];
        if (v === null || v === undefined) nulls++;
        else {
          values[i] = timeOfDay(String(v), perSecond);
          bitmap[i >> 3]! |= 1 << (i & 7);
        }
      }
      return makeData({ type: p.type as Time, length: n, nullCount: nulls, nullBitmap: bitmap, data: values });
    }
    case 'uint': {
      const values = new BigUint64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i]![c];
        if (v === null || v === undefined) nulls++;
        else {
          values[i] = toBigInt(v);
          bitmap[i >> 3]! |= 1 << (i & 7);
        }
      }
      return makeData({ type: p.type as Uint64, length: n, nullCount: nulls, nullBitmap: bitmap, data: values });
    }
    case 'int32':
    case 'uint8': {
      const values = p.kind === 'int32' ? new Int32Array(n) : new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i]![c];
        if (v === null || v === undefined) nulls++;
        else {
          values[i] = Number(v);
          bitmap[i >> 3]! |= 1 << (i & 7);
        }
      }
      return p.kind === 'int32'
        ? makeData({ type: p.type as Int32, length: n, nullCount: nulls, nullBitmap: bitmap, data: values as Int32Array })
        : makeData({ type: p.type as Uint8, length: n, nullCount: nulls, nullBitmap: bitmap, data: values as Uint8Array });
    }
    case 'bool': {
      const values = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) {
        const v = rows[i]![c];
        if (v === null || v === undefined) nulls++;
        else {
          if (v) values[i >> 3]! |= 1 << (i & 7);
          bitmap[i >> 3]! |= 1 << (i & 7);
        }
      }
      return makeData({ type: p.type as Bool, length: n, nullCount: nulls, nullBitmap: bitmap, data: values });
    }
    case 'dict': {
      const index = new Map<string, number>();
      const keys = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i]![c];
        if (v === null || v === undefined) {
          nulls++;
          continue;
        }
        bitmap[i >> 3]! |= 1 << (i & 7);
        const s = typeof v === 'string' ? v : toText(v);
        let k = index.get(s);
        if (k === undefined) index.set(s, (k = index.size));
        keys[i] = k;
      }
      const dictionary = makeVector(utf8Data([...index.keys()]));
      return makeData({ type: p.type as Dictionary<Utf8, Int32>, length: n, nullCount: nulls, nullBitmap: bitmap, data: keys, dictionary });
    }
    case 'list':
      return vectorFromArray(rows.map((r) => (Array.isArray(r[c]) ? (r[c] as string[]) : null)), p.type as List<Utf8>).data[0]!;
    case 'nested':
      return nestedData(p.type, rows.map((r) => r[c]));
    case 'utf8':
      return utf8Data(rows.map((r) => (r[c] === null || r[c] === undefined ? null : toText(r[c]))));
  }
}

// Variable-length values (null where absent) as offsets and one byte buffer.
function bytesData<T extends Utf8>(type: T, parts: Array<Uint8Array | null>): Data<T> {
  const n = parts.length;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const b = parts[i];
    if (b === null || b === undefined) nulls++;
    else {
      total += b.length;
      bitmap[i >> 3]! |= 1 << (i & 7);
    }
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const b = parts[i];
    if (b) bytes.set(b, offsets[i]!);
  }
  return makeData({ type: type as Utf8, length: n, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, data: bytes }) as unknown as Data<T>;
}
