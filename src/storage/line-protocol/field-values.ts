import { Buffer } from 'node:buffer';
import type { Field } from '../types.js';
import { LineFailure, describeBadValue, fieldValueFailure, shown } from './errors.js';
import { unescapeString } from './escapes.js';

// The scanner's cursor, shared with the structural scanner so values are read in place.
export interface Cursor {
  src: string;
  pos: number; // next character to read
  end: number; // end of the logical line's content (before any `\r\n`)
  nl: number; // index of the `\n` ending the logical line, or src.length
  multiline: boolean; // a quoted string carried the line over one or more newlines
  lineNumber: number;
  tsHi: number; // high digits of the previous long timestamp, and their BigInt times 1e9
  tsHiBig: bigint;
}

const COMMA = 44;
const SPACE = 32;
const BACKSLASH = 92;
const QUOTE = 34;
const MINUS = 45;
const DOT = 46;
const CR = 13;
const LOWER_E = 101;
const UPPER_E = 69;
const LOWER_I = 105;
const LOWER_U = 117;
const PLUS = 43;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const STRING_LIMIT_BYTES = 65536;
// Up to 15 digits fit a double exactly, and 10^k is exact up to k = 22, so m / 10^k is correctly rounded.
const POW10: number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);

function tokenEnd(s: string, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === SPACE) break;
    i++;
  }
  return i;
}

function badToken(cur: Cursor, key: string, start: number): LineFailure {
  const token = cur.src.slice(start, tokenEnd(cur.src, start, cur.end));
  return fieldValueFailure(key, cur.lineNumber, describeBadValue(token));
}

// Reads one field value at cur.pos (numbers and booleans in a single pass, strings by readString).
export function readFieldValue(cur: Cursor, key: string): Field {
  const s = cur.src;
  const end = cur.end;
  const start = cur.pos;
  if (start >= end) throw fieldValueFailure(key, cur.lineNumber, 'missing value');
  let c = s.charCodeAt(start);
  if (c === QUOTE) return { key, type: 'utf8', value: readString(cur, key) };
  if (c === COMMA || c === SPACE) throw fieldValueFailure(key, cur.lineNumber, 'missing value');

  let i = start;
  const neg = c === MINUS;
  if (neg) i++;
  let mant = 0;
  const intStart = i;
  while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    i++;
  }
  const intDigits = i - intStart;
  c = i < end ? s.charCodeAt(i) : -1;

  if (intDigits > 0 && (c === LOWER_I || c === LOWER_U)) {
    const after = i + 1 < end ? s.charCodeAt(i + 1) : -1;
    if (after !== -1 && after !== COMMA && after !== SPACE) throw badToken(cur, key, start);
    cur.pos = i + 1;
    if (c === LOWER_I) {
      if (intDigits <= 15) return { key, type: 'int64', value: BigInt(neg ? -mant : mant) };
      const v = BigInt(s.slice(start, i));
      if (v < INT64_MIN || v > INT64_MAX) {
        throw fieldValueFailure(key, cur.lineNumber, `integer value '${shown(s.slice(start, i + 1))}' is out of range for int64`);
      }
      return { key, type: 'int64', value: v };
    }
    if (neg) throw badToken(cur, key, start);
    if (intDigits <= 15) return { key, type: 'uint64', value: BigInt(mant) };
    const v = BigInt(s.slice(intStart, i));
    if (v > UINT64_MAX) {
      throw fieldValueFailure(key, cur.lineNumber, `unsigned integer value '${shown(s.slice(start, i + 1))}' is out of range for uint64`);
    }
    return { key, type: 'uint64', value: v };
  }

  let fracDigits = 0;
  if (c === DOT) {
    i++;
    const fracStart = i;
    while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      i++;
    }
    fracDigits = i - fracStart;
    c = i < end ? s.charCodeAt(i) : -1;
  }
  if (intDigits + fracDigits === 0) {
    if (!neg && i === start) return readBool(cur, key, start);
    throw badToken(cur, key, start);
  }
  let exponent = false;
  if (c === LOWER_E || c === UPPER_E) {
    exponent = true;
    i++;
    if (i < end && ((c = s.charCodeAt(i)) === PLUS || c === MINUS)) i++;
    const expStart = i;
    while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === expStart) throw badToken(cur, key, start);
    c = i < end ? s.charCodeAt(i) : -1;
  }
  if (c !== -1 && c !== COMMA && c !== SPACE) throw badToken(cur, key, start);
  cur.pos = i;
  let value: number;
  if (!exponent && intDigits + fracDigits <= 15) {
    value = fracDigits === 0 ? mant : mant / POW10[fracDigits]!;
    if (neg) value = -value;
  } else {
    value = Number(s.slice(start, i));
    if (!Number.isFinite(value)) {
      throw fieldValueFailure(key, cur.lineNumber, `floating-point value '${shown(s.slice(start, i))}' is out of range for float64`);
    }
  }
  return { key, type: 'float64', value };
}

function readBool(cur: Cursor, key: string, start: number): Field {
  const stop = tokenEnd(cur.src, start, cur.end);
  let value: boolean;
  switch (cur.src.slice(start, stop)) {
    case 't': case 'T': case 'true': case 'True': case 'TRUE':
      value = true;
      break;
    case 'f': case 'F': case 'false': case 'False': case 'FALSE':
      value = false;
      break;
    default:
      throw badToken(cur, key, start);
  }
  cur.pos = stop;
  return { key, type: 'bool', value };
}

// A quoted string may run over newlines; if it does, the logical line is extended past them.
function readString(cur: Cursor, key: string): string {
  const s = cur.src;
  const n = s.length;
  const from = cur.pos + 1;
  let i = from;
  let escaped = false;
  for (;;) {
    if (i >= n) throw fieldValueFailure(key, cur.lineNumber, 'unterminated string value (missing closing double quote)');
    const c = s.charCodeAt(i);
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      const d = s.charCodeAt(i + 1);
      if (d === QUOTE || d === BACKSLASH) {
        escaped = true;
        i += 2;
        continue;
      }
    }
    i++;
  }
  const close = i;
  if (close > cur.nl) {
    const nl = s.indexOf('\n', close + 1);
    cur.nl = nl === -1 ? n : nl;
    cur.end = cur.nl > close + 1 && s.charCodeAt(cur.nl - 1) === CR ? cur.nl - 1 : cur.nl;
    cur.multiline = true;
  }
  const after = close + 1 < cur.end ? s.charCodeAt(close + 1) : -1;
  if (after !== -1 && after !== COMMA && after !== SPACE) {
    throw fieldValueFailure(
      key,
      cur.lineNumber,
      `unexpected '${shown(s.slice(close + 1, tokenEnd(s, close + 1, cur.end)))}' after the closing double quote`,
    );
  }
  cur.pos = close + 1;
  const value = escaped ? unescapeString(s, from, close) : s.slice(from, close);
  if (value.length * 3 > STRING_LIMIT_BYTES && Buffer.byteLength(value, 'utf8') > STRING_LIMIT_BYTES) {
    throw fieldValueFailure(key, cur.lineNumber, 'string is greater than 64KB');
  }
  return value;
}

// Timestamps are signed int64 integers in the request's precision; anything else rejects the line.
export function readTimestamp(cur: Cursor): bigint {
  const s = cur.src;
  const start = cur.pos;
  const end = cur.end;
  let i = start;
  if (i < end && s.charCodeAt(i) === MINUS) i++;
  const digitsStart = i;
  let c: number;
  while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
  let tokenStop = i;
  while (tokenStop < end && s.charCodeAt(tokenStop) !== SPACE) tokenStop++;
  if (i === digitsStart || tokenStop !== i) {
    throw new LineFailure(`invalid timestamp '${shown(s.slice(start, tokenStop))}': expected a signed 64-bit integer`);
  }
  const digits = i - digitsStart;
  const neg = digitsStart !== start;
  let v: bigint;
  if (digits <= 15) {
    v = BigInt(neg ? -digitValue(s, digitsStart, i) : digitValue(s, digitsStart, i));
  } else if (digits <= 24) {
    // Nanosecond timestamps have 19 digits: build them from a high part (the seconds, shared by most
    // lines of a batch, so its BigInt is cached) and a low part that is a small integer.
    const split = i - 9;
    const hi = digitValue(s, digitsStart, split);
    if (hi !== cur.tsHi) {
      cur.tsHi = hi;
      cur.tsHiBig = BigInt(hi) * 1_000_000_000n;
    }
    v = cur.tsHiBig + BigInt(digitValue(s, split, i));
    if (neg) v = -v;
  } else {
    v = BigInt(s.slice(start, i));
  }
  if (digits >= 19 && (v < INT64_MIN || v > INT64_MAX)) {
    throw new LineFailure(`invalid timestamp '${shown(s.slice(start, i))}': out of range for a signed 64-bit integer`);
  }
  cur.pos = i;
  return v;
}

// Value of the decimal digits in [from, to); exact while there are at most 15 of them.
function digitValue(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) n = n * 10 + (s.charCodeAt(k) - 48);
  return n;
}
