import { DataType, DateUnit, Precision, TimeUnit, type Field } from 'apache-arrow';

// One documented example of test/fixtures/sql-functions/reference.json.
export interface ReferenceCase {
  category: string;
  name: string;
  sql: string;
  setup?: string;
  expected: {
    // Column names in order; null where the name is not checked (generated names of unaliased expressions).
    columns?: Array<string | null>;
    rows: Cell[][];
    // DataFusion's spelling of each column's Arrow type (arrow_typeof), null where not checked.
    types?: Array<string | null>;
  };
  source: string;
  notes?: string;
}

// An expected cell: a JSON value, or a matcher for values that vary between runs.
export type Cell = null | boolean | number | string | Cell[] | { [key: string]: Cell } | Matcher;
type Matcher = { $regex: string } | { $range: [number, number] } | { $today: true };

const REL_TOLERANCE = 1e-9;

function isMatcher(v: unknown): v is Matcher {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && Object.keys(v)[0]!.startsWith('$');
}

function closeEnough(expected: number, actual: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  return expected === actual || Math.abs(expected - actual) <= REL_TOLERANCE * Math.max(Math.abs(expected), Math.abs(actual));
}

export function cellMatches(expected: Cell, actual: unknown): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (isMatcher(expected)) {
    if ('$regex' in expected) return typeof actual === 'string' && new RegExp(expected.$regex).test(actual);
    if ('$range' in expected) return typeof actual === 'number' && actual >= expected.$range[0] && actual < expected.$range[1];
    return actual === `${new Date().toISOString().slice(0, 10)}T00:00:00`;
  }
  if (typeof expected === 'number') return typeof actual === 'number' && closeEnough(expected, actual);
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => cellMatches(e, actual[i]));
  }
  if (typeof expected === 'object') {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    const keys = new Set([...Object.keys(expected), ...Object.keys(a).filter((k) => a[k] !== null)]);
    return [...keys].every((k) => cellMatches(expected[k] ?? null, a[k]));
  }
  return expected === actual;
}

const rowMatches = (expected: Cell[], actual: unknown[]): boolean =>
  expected.length === actual.length && expected.every((e, i) => cellMatches(e, actual[i]));

// True when the statement ends in an ORDER BY of its own (not one inside parentheses, an OVER clause or an
// aggregate): only then is the row order part of the documented result.
export function isOrdered(sql: string): boolean {
  let depth = 0;
  let top = '';
  for (const ch of sql) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0) top += ch;
  }
  return /\bORDER\s+BY\b/i.test(top);
}

// Differences between the expected rows and the actual ones; rows match in order when the SQL orders them, else as
// a multiset.
export function compareRows(expected: Cell[][], actual: unknown[][], ordered: boolean): string[] {
  const show = (rows: unknown[]): string => JSON.stringify(rows);
  if (expected.length !== actual.length) return [`rows: expected ${expected.length} rows ${show(expected)}, got ${actual.length} ${show(actual)}`];
  if (ordered) {
    const bad = expected.findIndex((e, i) => !rowMatches(e, actual[i]!));
    return bad < 0 ? [] : [`rows: row ${bad} expected ${show(expected[bad]!)}, got ${show(actual[bad]!)} (all: ${show(actual)})`];
  }
  const unused = [...actual];
  const missing: Cell[][] = [];
  for (const e of expected) {
    const i = unused.findIndex((a) => rowMatches(e, a));
    if (i < 0) missing.push(e);
    else unused.splice(i, 1);
  }
  return missing.length === 0 ? [] : [`rows: expected ${show(missing)} not found; unmatched actual rows ${show(unused)}`];
}

// The first line of a CSV answer: the column names in order (quoted per RFC 4180 where needed).
export function csvHeader(text: string): string[] {
  const names: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      names.push(cur);
      cur = '';
    } else if (ch === '\n' || ch === '\r') break;
    else cur += ch;
  }
  names.push(cur);
  return names;
}

const TIME_UNITS: Record<number, string> = {
  [TimeUnit.SECOND]: 'Second',
  [TimeUnit.MILLISECOND]: 'Millisecond',
  [TimeUnit.MICROSECOND]: 'Microsecond',
  [TimeUnit.NANOSECOND]: 'Nanosecond',
};

// An Arrow type as DataFusion's arrow_typeof spells it (List, Struct and Map shortened to their children's types).
export function dataFusionType(t: DataType): string {
  if (DataType.isInt(t)) return `${t.isSigned ? 'Int' : 'UInt'}${t.bitWidth}`;
  if (DataType.isFloat(t)) return { [Precision.HALF]: 'Float16', [Precision.SINGLE]: 'Float32', [Precision.DOUBLE]: 'Float64' }[t.precision];
  if (DataType.isLargeUtf8(t)) return 'LargeUtf8';
  if (DataType.isUtf8(t)) return 'Utf8';
  if (DataType.isLargeBinary(t)) return 'LargeBinary';
  if (DataType.isBinary(t)) return 'Binary';
  if (DataType.isBool(t)) return 'Boolean';
  if (DataType.isNull(t)) return 'Null';
  if (DataType.isTimestamp(t)) return `Timestamp(${TIME_UNITS[t.unit]}, ${t.timezone ? `Some("${t.timezone}")` : 'None'})`;
  if (DataType.isDate(t)) return t.unit === DateUnit.DAY ? 'Date32' : 'Date64';
  if (DataType.isTime(t)) return `Time${t.bitWidth}(${TIME_UNITS[t.unit]})`;
  if (DataType.isDecimal(t)) return `Decimal${t.bitWidth}(${t.precision}, ${t.scale})`;
  if (DataType.isDictionary(t)) return `Dictionary(${dataFusionType(t.indices)}, ${dataFusionType(t.dictionary)})`;
  if (DataType.isList(t)) return `List(${dataFusionType(t.children[0]!.type)})`;
  if (DataType.isStruct(t)) return `Struct(${t.children.map((f: Field) => `${f.name}: ${dataFusionType(f.type)}`).join(', ')})`;
  if (DataType.isMap(t)) {
    const entry = t.children[0]!.type as DataType & { children: Field[] };
    return `Map(${dataFusionType(entry.children[0]!.type)}, ${dataFusionType(entry.children[1]!.type)})`;
  }
  return String(t);
}

// Differences between the recorded types and the result schema's.
export function compareTypes(expected: Array<string | null>, actual: string[]): string[] {
  const out: string[] = [];
  expected.forEach((e, i) => {
    if (e !== null && actual[i] !== e) out.push(`types: column ${i} expected ${e}, got ${actual[i] ?? 'no column'}`);
  });
  return out;
}
