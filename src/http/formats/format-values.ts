// Arrow type names parsed just enough to format nested values (List(T), Struct(name T, …), Map(K, V)).
import { parseArrowType, type TypeNode } from '../../storage/query/arrow-type-names.js';

export type { TypeNode };
export const parseType = parseArrowType;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

// Days since 1970-01-01 → [year, month, day] in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function formatYear(y: number): string {
  if (y < 0) return `-${pad(-y, 4)}`;
  return y > 9999 ? `+${y}` : pad(y, 4);
}

// A nanosecond Unix timestamp as UTC calendar parts: the year, `MM-DDTHH:MM:SS` after it, and the nanoseconds of
// that second (timestamps before 1970 count back in the proleptic Gregorian calendar).
export function utcParts(ns: bigint): { year: number; rest: string; nanos: number } {
  const DAY = 86_400_000_000_000n;
  let days = ns / DAY;
  let rem = ns % DAY;
  if (rem < 0n) {
    rem += DAY;
    days -= 1n;
  }
  const [year, m, d] = civilFromDays(Number(days));
  const secsOfDay = Number(rem / 1_000_000_000n);
  const rest = `${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(secsOfDay / 3600), 2)}:${pad(Math.floor(secsOfDay / 60) % 60, 2)}:${pad(secsOfDay % 60, 2)}`;
  return { year, rest, nanos: Number(rem % 1_000_000_000n) };
}

// Nanoseconds since the epoch as chrono's `%Y-%m-%dT%H:%M:%S%.f`: the fraction only when non-zero, in 3, 6 or 9 digits.
export function formatTimestampNs(ns: bigint): string {
  const { year, rest, nanos } = utcParts(ns);
  let out = `${formatYear(year)}-${rest}`;
  if (nanos !== 0) {
    if (nanos % 1_000_000 === 0) out += `.${pad(nanos / 1_000_000, 3)}`;
    else if (nanos % 1000 === 0) out += `.${pad(nanos / 1000, 6)}`;
    else out += `.${pad(nanos, 9)}`;
  }
  return out;
}

// Go's RFC3339Nano, as InfluxDB 1.x prints times: trailing zeros of the fraction dropped, `Z` for UTC.
export function formatRfc3339(ns: bigint): string {
  const { year, rest, nanos } = utcParts(ns);
  const p = (n: number, w: number): string => String(n).padStart(w, '0');
  let out = `${year < 0 ? `-${p(-year, 4)}` : p(year, 4)}-${rest}`;
  if (nanos !== 0) out += `.${p(nanos, 9).replace(/0+$/, '')}`;
  return `${out}Z`;
}

// Shortest digits that read back as the same float32 (a FLOAT arrives widened to a double).
function float32Digits(v: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = v.toExponential(p - 1);
    if (Math.fround(Number(s)) === v) return s;
  }
  return v.toExponential();
}

/**
 * Floats the way arrow-rs writes them (lexical-core defaults): shortest round-trip digits, always a
 * decimal point (`1.0`), scientific outside 1e-5..1e9 (`1.5e10`, `1.0e-7`), `NaN`, `inf`, `-inf`.
 */
export function formatFloat(v: number, float32 = false): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = (float32 ? float32Digits(v) : v.toExponential()).split('e') as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -5 || exp > 9) {
    return `${sign}${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}e${exp}`;
  }
  if (exp >= 0) {
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    return `${sign}${whole}.${digits.slice(exp + 1) || '0'}`;
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

// Minutes east of UTC of an IANA zone at an instant.
function zoneOffsetMinutes(zone: string, ns: bigint): number {
  let f = zoneFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    zoneFormats.set(zone, f);
  }
  const ms = Number(ns / 1_000_000n) - (ns % 1_000_000n < 0n ? 1 : 0);
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
}

// Timestamps with a zone print their wall-clock time in it and its offset (UTC and fixed offsets as +00:00).
function timestampText(v: unknown, t: TypeNode): string {
  const zone = /Some\("(.*)"\)/.exec(t.raw)?.[1];
  if (zone === undefined) return formatTimestampNs(v as bigint);
  if (zone === 'UTC' || /^[+-]\d\d:\d\d$/.test(zone)) return formatTimestampNs(v as bigint) + '+00:00';
  const minutes = zoneOffsetMinutes(zone, v as bigint);
  const abs = Math.abs(minutes);
  const offset = `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
  return formatTimestampNs((v as bigint) + BigInt(minutes) * 60_000_000_000n) + offset;
}
const UTF8: TypeNode = { name: 'Utf8', raw: 'Utf8', children: [] };
const bigintSafe = (_k: string, x: unknown): unknown => (typeof x === 'bigint' ? x.toString() : x);

// A scalar as Arrow's display formatter prints it (pretty and CSV); nested values in Arrow's brace style.
export function displayValue(v: unknown, t: TypeNode): string {
  if (v === null || v === undefined) return '';
  if (t.name === 'Timestamp') return timestampText(v, t);
  if (t.name === 'Float64' || t.name === 'Float32') return formatFloat(v as number, t.name === 'Float32');
  if (t.name === 'List' && Array.isArray(v)) {
    const inner = t.children[0]?.type ?? UTF8;
    return `[${v.map((x) => displayValue(x, inner)).join(', ')}]`;
  }
  if (t.name === 'Struct' && typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    return `{${t.children.map((c) => `${c.field}: ${displayValue(obj[c.field!], c.type)}`).join(', ')}}`;
  }
  if (typeof v === 'object') return JSON.stringify(v, bigintSafe);
  return String(v);
}

// A value as arrow-json encodes it; undefined means "leave the key out" (nulls inside objects).
export function jsonValue(v: unknown, t: TypeNode): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (t.name === 'Timestamp') return `"${timestampText(v, t)}"`;
  if (t.name === 'Float64' || t.name === 'Float32') return Number.isFinite(v) ? formatFloat(v as number, t.name === 'Float32') : 'null';
  if (typeof v === 'bigint' || typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (t.name === 'List' && Array.isArray(v)) {
    const inner = t.children[0]?.type ?? UTF8;
    return `[${v.map((x) => jsonValue(x, inner) ?? 'null').join(',')}]`;
  }
  if (t.name === 'Struct' && typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    const parts: string[] = [];
    for (const c of t.children) {
      const enc = jsonValue(obj[c.field!], c.type);
      if (enc !== undefined) parts.push(`${JSON.stringify(c.field)}:${enc}`);
    }
    return `{${parts.join(',')}}`;
  }
  if (typeof v === 'object') return JSON.stringify(v, bigintSafe);
  return JSON.stringify(String(v));
}
