import { parseArrowType } from '../storage/query/arrow-type-names.js';
import {
  Binary,
  Bool,
  DataType,
  DateDay,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  Null,
  Struct,
  TimeMicrosecond,
  TimeUnit,
  Timestamp,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeData,
  type Data,
} from 'apache-arrow';

// Nested (List, Map, Struct) and Binary result columns as real Arrow columns, typed from the Arrow type name a
// query column reports (result-convert.ts: `List(Int64)`, `Map(Utf8, Int64)`, `Struct(a Int64, b Utf8)`, `Binary`)
// and filled from the plain JS values the query converters produce (arrays, objects keyed by the key's text,
// hex strings for binary, bigint nanoseconds for timestamps, text for dates and times).

const TIME_UNITS: Record<string, TimeUnit> = {
  Second: TimeUnit.SECOND,
  Millisecond: TimeUnit.MILLISECOND,
  Microsecond: TimeUnit.MICROSECOND,
  Nanosecond: TimeUnit.NANOSECOND,
};
// Nanoseconds per unit: timestamps arrive as nanoseconds whatever the unit their column reports.
const NANOS_PER: Record<number, bigint> = {
  [TimeUnit.SECOND]: 1_000_000_000n,
  [TimeUnit.MILLISECOND]: 1_000_000n,
  [TimeUnit.MICROSECOND]: 1000n,
  [TimeUnit.NANOSECOND]: 1n,
};

const SCALARS: Record<string, () => DataType> = {
  Int8: () => new Int8(),
  Int16: () => new Int16(),
  Int32: () => new Int32(),
  Int64: () => new Int64(),
  UInt8: () => new Uint8(),
  UInt16: () => new Uint16(),
  UInt32: () => new Uint32(),
  UInt64: () => new Uint64(),
  Float32: () => new Float32(),
  Float64: () => new Float64(),
  Boolean: () => new Bool(),
  Utf8: () => new Utf8(),
  Binary: () => new Binary(),
  Date32: () => new DateDay(),
  'Time64(Microsecond)': () => new TimeMicrosecond(),
  Null: () => new Null(),
};

// The Arrow type of a type name; names this encoder does not build travel as Utf8 text (as top-level columns do).
export function arrowTypeOf(name: string): DataType {
  const scalar = SCALARS[name];
  if (scalar) return scalar();
  const ts = /^Timestamp\((\w+), (?:None|Some\("([^"]*)"\))\)$/.exec(name);
  if (ts && TIME_UNITS[ts[1]!] !== undefined) return new Timestamp(TIME_UNITS[ts[1]!]!, ts[2] ?? null);
  const node = parseArrowType(name);
  const inner = node.children.map((c) => c.type.raw);
  if (node.name === 'List' && inner.length === 1) return new List(new Field('item', arrowTypeOf(inner[0]!), true));
  if (node.name === 'Map' && inner.length === 2) {
    const entries = new Struct([new Field('key', arrowTypeOf(inner[0]!), false), new Field('value', arrowTypeOf(inner[1]!), true)]);
    return new Map_(new Field('entries', entries, false), false);
  }
  if (node.name === 'Struct') return new Struct(node.children.map((c) => new Field(c.field ?? '', arrowTypeOf(c.type.raw), true)));
  return new Utf8();
}

// The Arrow type of a result column this module encodes (nested or binary), or undefined for the flat encoder's.
export function nestedColumnType(name: string): DataType | undefined {
  return name === 'Binary' || /^(List|Map|Struct)\(/.test(name) ? arrowTypeOf(name) : undefined;
}

const isNull = (v: unknown): boolean => v === null || v === undefined;

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (isNull(v)) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function bytesOf(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const s = String(v);
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) throw new Error(`binary value is not hex: ${s.slice(0, 40)}`);
  return Buffer.from(s, 'hex');
}

// Variable-width values (Utf8, Binary): offsets and the concatenated bytes.
function variableData(type: Utf8 | Binary, values: readonly unknown[], encode: (v: unknown) => Uint8Array): Data {
  const parts = values.map((v) => (isNull(v) ? null : encode(v)));
  const valueOffsets = new Int32Array(values.length + 1);
  let total = 0;
  parts.forEach((b, i) => {
    total += b?.length ?? 0;
    valueOffsets[i + 1] = total;
  });
  const data = new Uint8Array(total);
  parts.forEach((b, i) => b && data.set(b, valueOffsets[i]!));
  return makeData({ type, length: values.length, ...validity(values), valueOffsets, data } as never);
}

function fixedData(type: DataType, values: readonly unknown[], data: ArrayLike<unknown> & { [i: number]: unknown }, put: (v: unknown) => unknown): Data {
  values.forEach((v, i) => {
    if (!isNull(v)) data[i] = put(v);
  });
  return makeData({ type, length: values.length, ...validity(values), data } as never);
}

const toBigInt = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(typeof v === 'number' ? Math.trunc(v) : String(v)));

// `YYYY-MM-DD` → days since the epoch.
const dateDays = (v: unknown): number => Math.floor(Date.parse(`${String(v)}T00:00:00Z`) / 86_400_000);

// `HH:MM:SS[.ffffff]` → microseconds since midnight.
function timeMicros(v: unknown): bigint {
  const m = /^(\d+):(\d+):(\d+)(?:\.(\d{1,6}))?/.exec(String(v));
  if (!m) throw new Error(`time value not understood: ${String(v)}`);
  const secs = BigInt(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]));
  return secs * 1_000_000n + BigInt((m[4] ?? '').padEnd(6, '0'));
}

// A map's keys arrive as text (JS object keys): read back as the key type.
function keyValue(type: DataType, key: string): unknown {
  if (DataType.isInt(type)) return type.bitWidth === 64 ? BigInt(key) : Number(key);
  if (DataType.isTimestamp(type)) return BigInt(key);
  if (DataType.isFloat(type)) return Number(key);
  if (DataType.isBool(type)) return key === 'true';
  return key;
}

// Offsets of a list-like column whose rows hold `items(v)` children each.
function offsetsOf(values: readonly unknown[], count: (v: unknown) => number): Int32Array {
  const offsets = new Int32Array(values.length + 1);
  values.forEach((v, i) => (offsets[i + 1] = offsets[i]! + (isNull(v) ? 0 : count(v))));
  return offsets;
}

// The Arrow data of `values` (one per row) as `type`.
export function nestedData(type: DataType, values: readonly unknown[]): Data {
  const n = values.length;
  if (DataType.isList(type)) {
    const lists = values.map((v) => (isNull(v) ? null : Array.isArray(v) ? v : [v]));
    const child = nestedData(type.children[0]!.type, lists.flatMap((l) => l ?? []));
    return makeData({ type, length: n, ...validity(lists), valueOffsets: offsetsOf(lists, (l) => (l as unknown[]).length), child });
  }
  if (DataType.isMap(type)) {
    const entryType = type.children[0]!.type as Struct;
    const [keyField, valueField] = entryType.children as [Field, Field];
    const entries = values.map((v) => (isNull(v) ? [] : Object.entries(v as Record<string, unknown>)));
    const flat = entries.flat();
    const keys = nestedData(keyField.type, flat.map(([k]) => keyValue(keyField.type, k)));
    const vals = nestedData(valueField.type, flat.map(([, x]) => x));
    const child = makeData({ type: entryType, length: flat.length, nullCount: 0, children: [keys, vals] });
    return makeData({ type, length: n, ...validity(values), valueOffsets: offsetsOf(values, (v) => Object.keys(v as object).length), child });
  }
  if (DataType.isStruct(type)) {
    const children = type.children.map((f) => nestedData(f.type, values.map((v) => (isNull(v) ? null : (v as Record<string, unknown>)[f.name]))));
    return makeData({ type, length: n, ...validity(values), children });
  }
  if (DataType.isNull(type)) return makeData({ type, length: n });
  if (DataType.isInt(type)) {
    const wide = type.bitWidth === 64;
    return fixedData(type, values, new type.ArrayType(n) as never, wide ? toBigInt : Number);
  }
  if (DataType.isFloat(type)) return fixedData(type, values, new type.ArrayType(n) as never, Number);
  if (DataType.isTimestamp(type)) {
    const per = NANOS_PER[type.unit]!;
    return fixedData(type, values, new BigInt64Array(n), (v) => toBigInt(v) / per);
  }
  if (DataType.isDate(type)) return fixedData(type, values, new Int32Array(n), dateDays);
  if (DataType.isTime(type)) return fixedData(type, values, new BigInt64Array(n), timeMicros);
  if (DataType.isBool(type)) {
    const data = new Uint8Array(Math.ceil(n / 8));
    values.forEach((v, i) => {
      if (!isNull(v) && v) data[i >> 3]! |= 1 << (i & 7);
    });
    return makeData({ type, length: n, ...validity(values), data });
  }
  if (DataType.isBinary(type)) return variableData(type, values, bytesOf);
  return variableData(new Utf8(), values, (v) => Buffer.from(text(v), 'utf8'));
}
