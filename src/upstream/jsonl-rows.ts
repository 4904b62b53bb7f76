import type { QueryResult } from '../storage/query/query-result.js';

// InfluxDB 3's JSON timestamps (`%Y-%m-%dT%H:%M:%S%.f`, optionally with a zone offset or Z).
const TIMESTAMP = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)?$/;

type Scalar = { kind: 'int' | 'float'; text: string } | string | boolean | null;

// A value of a jsonl line as its text, so `1` (an integer) and `1.0` (a float) stay apart — what JSON.parse loses.
class LineParser {
  private i = 0;
  constructor(private readonly s: string) {}

  object(): Map<string, Scalar | unknown> {
    const out = new Map<string, Scalar | unknown>();
    this.expect('{');
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      this.expect(':');
      this.ws();
      out.set(key, this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else {
        this.expect('}');
        return out;
      }
    }
  }

  private value(): Scalar | unknown {
    const c = this.s[this.i];
    if (c === '"') return this.string();
    if (c === '{' || c === '[') return this.nested();
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?inf)/.exec(this.s.slice(this.i, this.i + 64));
    if (!m) throw new Error(`unexpected text at ${this.i}: ${this.s.slice(this.i, this.i + 20)}`);
    this.i += m[0].length;
    const t = m[0];
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'null') return null;
    return { kind: /[.eEna]/.test(t) ? 'float' : 'int', text: t };
  }

  // Lists and structs: kept as JSON.parse gives them.
  private nested(): unknown {
    const start = this.i;
    let depth = 0;
    for (; this.i < this.s.length; this.i++) {
      const c = this.s[this.i];
      if (c === '"') {
        this.string();
        this.i--;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          this.i++;
          return JSON.parse(this.s.slice(start, this.i));
        }
      }
    }
    throw new Error('unterminated value');
  }

  private string(): string {
    const start = this.i;
    this.expect('"');
    while (this.i < this.s.length && this.s[this.i] !== '"') this.i += this.s[this.i] === '\\' ? 2 : 1;
    this.expect('"');
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }

  private ws(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
  }

  private expect(c: string): void {
    if (this.s[this.i] !== c) throw new Error(`expected '${c}' at ${this.i}`);
    this.i++;
  }
}

// Nanoseconds since the epoch of an InfluxDB 3 JSON timestamp.
export function timestampNs(text: string): bigint | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  let ns = BigInt(ms) * 1_000_000n + BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  const zone = m[8];
  if (zone && zone !== 'Z') ns -= BigInt((zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)))) * 60_000_000_000n;
  return ns;
}

type ColumnKind = 'Int64' | 'Float64' | 'Boolean' | 'Utf8' | 'Timestamp(Nanosecond, None)' | 'Null' | 'nested';

/**
 * A `format=jsonl` answer of /api/v3/query_sql as typed rows. JSON carries no schema, so each column's type is read
 * from its values: integers (no fraction or exponent in the text) as Int64, other numbers as Float64, booleans,
 * strings, and strings that are all InfluxDB 3 timestamps as Timestamp(Nanosecond) — a string field holding only
 * timestamp-like text would read as a timestamp. Columns come in the order they first appear; missing keys are NULL.
 */
export function rowsOfJsonl(text: string): QueryResult {
  const lines = text.split('\n').filter((l) => l.trim() !== '').map((l) => new LineParser(l.trim()).object());
  const kinds = new Map<string, ColumnKind>();
  for (const line of lines) {
    for (const [key, v] of line) {
      const seen = kinds.get(key) ?? 'Null';
      kinds.set(key, merge(seen, kindOf(v)));
    }
  }
  const names = [...kinds.keys()];
  const rows = lines.map((line) => names.map((n) => convert(line.get(n), kinds.get(n)!)));
  return { columns: names.map((name) => ({ name, type: kinds.get(name) === 'nested' ? 'Utf8' : kinds.get(name)! })), rows };
}

function kindOf(v: unknown): ColumnKind {
  if (v === null || v === undefined) return 'Null';
  if (typeof v === 'boolean') return 'Boolean';
  if (typeof v === 'string') return timestampNs(v) === null ? 'Utf8' : 'Timestamp(Nanosecond, None)';
  if (typeof v === 'object' && 'kind' in v && 'text' in v) return (v as { kind: string }).kind === 'int' ? 'Int64' : 'Float64';
  return 'nested';
}

function merge(a: ColumnKind, b: ColumnKind): ColumnKind {
  if (a === 'Null' || a === b) return b;
  if (b === 'Null') return a;
  if ((a === 'Int64' && b === 'Float64') || (a === 'Float64' && b === 'Int64')) return 'Float64';
  if ((a === 'Utf8' && b === 'Timestamp(Nanosecond, None)') || (b === 'Utf8' && a === 'Timestamp(Nanosecond, None)')) return 'Utf8';
  return 'nested';
}

function convert(v: unknown, kind: ColumnKind): unknown {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'Int64':
      return BigInt((v as { text: string }).text);
    case 'Float64': {
      const t = (v as { text: string }).text;
      return t === 'inf' ? Infinity : t === '-inf' ? -Infinity : Number(t);
    }
    case 'Timestamp(Nanosecond, None)':
      return timestampNs(v as string);
    case 'nested':
      return typeof v === 'object' && v !== null && 'text' in v ? (v as { text: string }).text : typeof v === 'string' ? v : JSON.stringify(v);
    default:
      return v;
  }
}
