import { AppError } from '../../shared/app-error.js';

// The HTTP layer tells these apart by code; all of them are the client's fault (400).
export type LineProtocolErrorCode = 'invalid_precision' | 'timestamp_out_of_range' | 'unserializable_line';

// Errors raised outside a single line's parse (query string, timestamp scaling, serialisation).
export class LineProtocolError extends AppError {
  declare readonly code: LineProtocolErrorCode;

  constructor(code: LineProtocolErrorCode, message: string, details?: unknown) {
    super(code, message, { status: 400, details });
    this.name = 'LineProtocolError';
  }
}

// A bad `precision` query parameter must name itself and every accepted spelling.
export const invalidPrecision = (value: string): LineProtocolError =>
  new LineProtocolError(
    'invalid_precision',
    `invalid precision '${value}': expected one of auto, nanosecond (ns, n), microsecond (us, u), millisecond (ms), second (s)`,
    { value },
  );

// Scaling a coarse timestamp to nanoseconds can leave the int64 range that every store uses.
export const timestampOutOfRange = (ts: bigint, unit: string): LineProtocolError =>
  new LineProtocolError(
    'timestamp_out_of_range',
    `invalid timestamp '${ts}': in ${unit} it is outside the int64 nanosecond range (1677-09-21 to 2262-04-11)`,
    { timestamp: ts.toString(), unit },
  );

// The serialiser refuses values line protocol cannot carry rather than emit a line that reads back differently.
export const unserializableLine = (reason: string): LineProtocolError =>
  new LineProtocolError('unserializable_line', `cannot serialise line protocol: ${reason}`);

// A line-level parse failure: thrown inside the scanner, caught per line and turned into a LineError.
// Not an Error subclass on purpose: no stack trace is captured on this hot-ish path.
export class LineFailure {
  constructor(readonly message: string) {}
}

const MAX_SHOWN = 64;

// Offending values are quoted in messages, cut short so one huge token cannot bloat the error body.
export function shown(value: string): string {
  if (value.length <= MAX_SHOWN) return value;
  let cut = MAX_SHOWN;
  const c = value.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--; // do not split a surrogate pair
  return `${value.slice(0, cut)}...`;
}

// Field-value failures follow InfluxDB 3's wording for field errors and carry the line number.
export const fieldValueFailure = (key: string, lineNumber: number, detail: string): LineFailure =>
  new LineFailure(`invalid field value in line protocol for field '${shown(key)}' on line ${lineNumber}: ${detail}`);

// Explains why a field value token was rejected, by the type its suffix or first character suggests.
export function describeBadValue(token: string): string {
  if (token.length === 0) return 'missing value';
  const t = `'${shown(token)}'`;
  const last = token.charCodeAt(token.length - 1);
  const first = token.charCodeAt(0);
  const numeric = (first >= 48 && first <= 57) || first === 45 || first === 46 || first === 43;
  if (/^[+-]?(nan|inf|infinity)$/i.test(token)) return `unable to parse floating-point value ${t}: NaN and infinity are not supported`;
  if (numeric && last === 105) return `unable to parse integer value ${t}: expected digits with an optional '-' before the 'i'`;
  if (numeric && last === 117) return `unable to parse unsigned integer value ${t}: expected digits before the 'u'`;
  if (numeric) return `unable to parse floating-point value ${t}`;
  return `invalid value ${t}: expected a float (1.5), an integer (1i), an unsigned integer (1u), a double-quoted string or a boolean (t, true, f, false)`;
}
