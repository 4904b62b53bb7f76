import { DuckDBTypeId, type DuckDBDataChunk, type DuckDBResultReader, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { QueryResult } from './query-result.js';
import { ZONED_FIELD_PREFIX } from './functions/time-zones.js';

export interface Converter {
  arrow: string;
  convert: (value: DuckDBValue) => unknown;
}

const same = (v: DuckDBValue): unknown => v;
const str = (v: DuckDBValue): unknown => String(v);
const field = (v: DuckDBValue, name: string): unknown => (v as unknown as Record<string, unknown>)[name];
// Nanosecond timestamps need no multiplication (one BigInt fewer per value on the hot path of large results).
const scaled = (name: string, factor: bigint) =>
  factor === 1n ? (v: DuckDBValue): unknown => field(v, name) : (v: DuckDBValue): unknown => (field(v, name) as bigint) * factor;
const hex = (v: DuckDBValue): unknown => Buffer.from(field(v, 'bytes') as Uint8Array).toString('hex');

// Each DuckDB result type: the Arrow name InfluxDB would report and how a value becomes plain JS.
export function converterFor(type: DuckDBType): Converter {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN: return { arrow: 'Boolean', convert: same };
    case DuckDBTypeId.TINYINT: return { arrow: 'Int8', convert: same };
    case DuckDBTypeId.SMALLINT: return { arrow: 'Int16', convert: same };
    case DuckDBTypeId.INTEGER: return { arrow: 'Int32', convert: same };
    case DuckDBTypeId.BIGINT: return { arrow: 'Int64', convert: same };
    case DuckDBTypeId.UTINYINT: return { arrow: 'UInt8', convert: same };
    case DuckDBTypeId.USMALLINT: return { arrow: 'UInt16', convert: same };
    case DuckDBTypeId.UINTEGER: return { arrow: 'UInt32', convert: same };
    case DuckDBTypeId.UBIGINT: return { arrow: 'UInt64', convert: same };
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT: return { arrow: 'Decimal128(38, 0)', convert: same };
    case DuckDBTypeId.FLOAT: return { arrow: 'Float32', convert: same };
    case DuckDBTypeId.DOUBLE: return { arrow: 'Float64', convert: same };
    // DataFusion reads `1.5` as a Float64 where DuckDB makes a DECIMAL: report it the DataFusion way.
    case DuckDBTypeId.DECIMAL: return { arrow: 'Float64', convert: (v) => (v as unknown as { toDouble(): number }).toDouble() };
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM: return { arrow: 'Utf8', convert: str };
    case DuckDBTypeId.BLOB: return { arrow: 'Binary', convert: hex };
    case DuckDBTypeId.DATE: return { arrow: 'Date32', convert: str };
    case DuckDBTypeId.TIME: return { arrow: 'Time64(Microsecond)', convert: str };
    case DuckDBTypeId.TIME_NS: return { arrow: 'Time64(Nanosecond)', convert: str };
    case DuckDBTypeId.TIMESTAMP: return { arrow: 'Timestamp(Microsecond, None)', convert: scaled('micros', 1000n) };
    case DuckDBTypeId.TIMESTAMP_MS: return { arrow: 'Timestamp(Millisecond, None)', convert: scaled('millis', 1000000n) };
    case DuckDBTypeId.TIMESTAMP_S: return { arrow: 'Timestamp(Second, None)', convert: scaled('seconds', 1000000000n) };
    case DuckDBTypeId.TIMESTAMP_NS: return { arrow: 'Timestamp(Nanosecond, None)', convert: scaled('nanos', 1n) };
    case DuckDBTypeId.TIMESTAMP_TZ: return { arrow: 'Timestamp(Microsecond, Some("UTC"))', convert: scaled('micros', 1000n) };
    case DuckDBTypeId.INTERVAL: return { arrow: 'Interval(MonthDayNano)', convert: str };
    case DuckDBTypeId.SQLNULL: return { arrow: 'Null', convert: () => null };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const inner = converterFor((type as unknown as { valueType: DuckDBType }).valueType);
      return {
        arrow: `List(${inner.arrow})`,
        convert: (v) => (field(v, 'items') as DuckDBValue[]).map((x) => (x === null ? null : inner.convert(x))),
      };
    }
    case DuckDBTypeId.STRUCT: {
      const t = type as unknown as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
      // A zoned timestamp (functions/time-zones.ts): the struct's one field names the zone.
      if (t.entryNames.length === 1 && t.entryNames[0]!.startsWith(ZONED_FIELD_PREFIX)) {
        const zone = t.entryNames[0]!.slice(ZONED_FIELD_PREFIX.length);
        const name = t.entryNames[0]!;
        const nanos = (v: DuckDBValue): unknown => {
          const x = (field(v, 'entries') as Record<string, DuckDBValue>)[name];
          return x === null || x === undefined ? null : field(x, 'nanos');
        };
        return { arrow: `Timestamp(Nanosecond, Some("${zone}"))`, convert: nanos };
      }
      const inner = t.entryTypes.map(converterFor);
      return {
        arrow: `Struct(${t.entryNames.map((n, i) => `${n} ${inner[i]!.arrow}`).join(', ')})`,
        convert: (v) => {
          const entries = field(v, 'entries') as Record<string, DuckDBValue>;
          const out: Record<string, unknown> = {};
          t.entryNames.forEach((n, i) => {
            const x = entries[n];
            out[n] = x === null || x === undefined ? null : inner[i]!.convert(x);
          });
          return out;
        },
      };
    }
    case DuckDBTypeId.MAP: {
      const t = type as unknown as { keyType: DuckDBType; valueType: DuckDBType };
      const key = converterFor(t.keyType);
      const value = converterFor(t.valueType);
      return {
        arrow: `Map(${key.arrow}, ${value.arrow})`,
        convert: (v) => {
          const out: Record<string, unknown> = {};
          for (const e of field(v, 'entries') as Array<{ key: DuckDBValue; value: DuckDBValue }>) {
            out[String(key.convert(e.key))] = e.value === null ? null : value.convert(e.value);
          }
          return out;
        },
      };
    }
    default:
      return { arrow: 'Utf8', convert: str };
  }
}

// A result's columns as InfluxDB reports them, and how each column's values become plain JS.
export interface ResultColumns {
  columns: QueryResult['columns'];
  converters: Converter[];
}

/**
 * Names and Arrow types of a DuckDB result's columns. `tagColumns` names the VARCHAR result columns that come
 * straight from a tag, which InfluxDB types as Dictionary(Int32, Utf8).
 */
export function describeColumns(names: readonly string[], types: readonly DuckDBType[], tagColumns: ReadonlySet<string>): ResultColumns {
  const converters = types.map(converterFor);
  const columns = names.map((name, i) => {
    const arrow = converters[i]!.arrow;
    const renamed = name === 'count_star()' ? 'count(*)' : name;
    return { name: renamed, type: arrow === 'Utf8' && types[i]!.typeId === DuckDBTypeId.VARCHAR && tagColumns.has(name) ? 'Dictionary(Int32, Utf8)' : arrow };
  });
  return { columns, converters };
}

// Column-major DuckDB values (a whole result or one chunk) as rows of plain JS values.
export function convertColumns(data: readonly (readonly DuckDBValue[])[], rowCount: number, converters: readonly Converter[]): unknown[][] {
  const width = converters.length;
  const rows: unknown[][] = new Array(rowCount);
  for (let r = 0; r < rowCount; r++) rows[r] = new Array(width);
  for (let c = 0; c < width; c++) {
    const convert = converters[c]!.convert;
    const values = data[c]!;
    const identity = convert === same;
    for (let r = 0; r < rowCount; r++) {
      const v = values[r]!;
      rows[r]![c] = v === null ? null : identity ? v : convert(v);
    }
  }
  return rows;
}

// One chunk of a streamed result as rows, read from its vectors directly (no per-column value arrays in between).
export function convertChunk(chunk: DuckDBDataChunk, converters: readonly Converter[]): unknown[][] {
  const rowCount = chunk.rowCount;
  const width = converters.length;
  const rows: unknown[][] = new Array(rowCount);
  for (let r = 0; r < rowCount; r++) rows[r] = new Array(width);
  for (let c = 0; c < width; c++) {
    const convert = converters[c]!.convert;
    const vector = chunk.getColumnVector(c);
    const identity = convert === same;
    for (let r = 0; r < rowCount; r++) {
      const v = vector.getItem(r);
      rows[r]![c] = v === null ? null : identity ? v : convert(v);
    }
  }
  return rows;
}

/**
 * Materialises a DuckDB result as rows of plain JS values (see describeColumns for `tagColumns`).
 */
export function convertResult(reader: DuckDBResultReader, tagColumns: ReadonlySet<string>): QueryResult {
  const { columns, converters } = describeColumns(reader.columnNames(), reader.columnTypes(), tagColumns);
  return { columns, rows: convertColumns(reader.getColumns(), reader.currentRowCount, converters) };
}
