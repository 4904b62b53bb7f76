import type { Expr } from './ast.js';
import { influxqlError } from './errors.js';

const NS_PER_S = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_S;

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}


const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * Nanoseconds since the epoch for the time strings InfluxQL accepts: RFC3339 with an optional
 * fraction and zone, `YYYY-MM-DD HH:MM:SS[.f]` and `YYYY-MM-DD` (UTC when no zone).
 */
export function parseTimeString(s: string): bigint {
  const m = TIME_RE.exec(s.trim());
  if (!m) throw influxqlError(`invalid time string '${s}': expected RFC3339 such as 2024-01-01T00:00:00Z`);
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = Number(hs ?? 0);
  const mi = Number(mis ?? 0);
  const sec = Number(ss ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) throw influxqlError(`invalid time string '${s}'`);
  let ns = BigInt(daysFromCivil(y, mo, d)) * NS_PER_DAY + BigInt(h * 3600 + mi * 60 + sec) * NS_PER_S;
  if (frac) ns += BigInt(frac.padEnd(9, '0'));
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    ns -= sign * offsetMin * 60n * NS_PER_S;
  }
  return ns;
}

// Go's time.Duration.String() for whole durations: 0s, 1h0m0s, 168h0m0s, 1m30s, 1.5s, 250ms.
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let n = neg ? -ns : ns;
  let out: string;
  if (n < NS_PER_S) {
    const [unit, div] = n < 1000n ? ['ns', 1n] : n < 1_000_000n ? ['µs', 1000n] : ['ms', 1_000_000n];
    out = `${trimFraction(n, div as bigint)}${unit}`;
  } else {
    const h = n / 3_600_000_000_000n;
    n %= 3_600_000_000_000n;
    const mi = n / 60_000_000_000n;
    n %= 60_000_000_000n;
    const s = trimFraction(n, NS_PER_S);
    out = h > 0n ? `${h}h${mi}m${s}s` : mi > 0n ? `${mi}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(n: bigint, div: bigint): string {
  const whole = n / div;
  const frac = n % div;
  if (frac === 0n) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/**
 * The value of a time expression in nanoseconds: now(), time strings, integers (ns), durations
 * (`1700000000s` is an absolute time too) and + / - between them.
 */
export function evalTime(expr: Expr, nowNs: bigint): bigint {
  switch (expr.kind) {
    case 'call':
      if (expr.name === 'now' && expr.args.length === 0) return nowNs;
      throw influxqlError(`invalid time expression: ${expr.name}() cannot be compared with time`);
    case 'string':
      return parseTimeString(expr.value);
    case 'number':
      if (expr.integer || Number.isInteger(expr.value)) return BigInt(expr.value);
      return BigInt(Math.trunc(expr.value));
    case 'duration':
      return expr.ns;
    case 'paren':
      return evalTime(expr.expr, nowNs);
    case 'binary': {
      if (expr.op !== '+' && expr.op !== '-') throw influxqlError(`invalid time expression: operator ${expr.op} is not allowed with time`);
      const l = evalTime(expr.left, nowNs);
      const r = evalTime(expr.right, nowNs);
      return expr.op === '+' ? l + r : l - r;
    }
    default:
      throw influxqlError('invalid time expression: expected now(), a time string, an integer or a duration');
  }
}

export function isTimeRef(e: Expr): boolean {
  return e.kind === 'ref' && e.name.toLowerCase() === 'time';
}

// Inclusive bounds in nanoseconds; undefined means unbounded.
export interface TimeRange {
  min?: bigint;
  max?: bigint;
}

const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '!=': '!=' };

/** The time bounds implied by the top-level AND terms of a WHERE clause (terms under OR are ignored). */
export function timeRange(where: Expr | undefined, nowNs: bigint): TimeRange {
  const range: TimeRange = {};
  const visit = (e: Expr): void => {
    if (e.kind === 'paren') return visit(e.expr);
    if (e.kind !== 'binary') return;
    if (e.op === 'and') {
      visit(e.left);
      visit(e.right);
      return;
    }
    let op = e.op;
    let other: Expr;
    if (isTimeRef(e.left)) other = e.right;
    else if (isTimeRef(e.right)) {
      other = e.left;
      op = FLIP[op] ?? op;
    } else return;
    const t = evalTime(other, nowNs);
    const lower = (v: bigint): void => {
      if (range.min === undefined || v > range.min) range.min = v;
    };
    const upper = (v: bigint): void => {
      if (range.max === undefined || v < range.max) range.max = v;
    };
    if (op === '>') lower(t + 1n);
    else if (op === '>=') lower(t);
    else if (op === '<') upper(t - 1n);
    else if (op === '<=') upper(t);
    else if (op === '=') {
      lower(t);
      upper(t);
    }
  };
  if (where) visit(where);
  return range;
}
