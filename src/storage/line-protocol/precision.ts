import type { Precision } from '../types.js';
import { invalidPrecision, timestampOutOfRange } from './errors.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Nanoseconds per unit of each explicit precision.
const SCALE: Record<Exclude<Precision, 'auto'>, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
};

// `auto` guesses by magnitude, as InfluxDB 3 does: |ts| / 1e9 under 5 → s, 5 000 → ms, 5 000 000 → us.
const AUTO_S_BELOW = 5n * 1_000_000_000n;
const AUTO_MS_BELOW = 5_000n * 1_000_000_000n;
const AUTO_US_BELOW = 5_000_000n * 1_000_000_000n;

// The write endpoints accept the long and short spellings; anything else is the client's mistake.
export function parsePrecision(s: string | undefined): Precision {
  switch (s) {
    case undefined:
    case '': // `?precision=` is treated as not given
    case 'auto':
      return 'auto';
    case 'nanosecond':
    case 'ns':
    case 'n':
      return 'ns';
    case 'microsecond':
    case 'us':
    case 'u':
      return 'us';
    case 'millisecond':
    case 'ms':
      return 'ms';
    case 'second':
    case 's':
      return 's';
    default:
      throw invalidPrecision(s);
  }
}

// Resolves `auto` for one timestamp; exported so tests and callers can show what was guessed.
export function resolveAutoPrecision(ts: bigint): Exclude<Precision, 'auto'> {
  const abs = ts < 0n ? -ts : ts;
  if (abs < AUTO_S_BELOW) return 's';
  if (abs < AUTO_MS_BELOW) return 'ms';
  if (abs < AUTO_US_BELOW) return 'us';
  return 'ns';
}

// Rows are stored in nanoseconds; lines without a timestamp take the server's time of the write.
// Throws a 400 LineProtocolError when scaling leaves the int64 range.
export function toNanoseconds(ts: bigint | null, precision: Precision, defaultTimeNs: bigint): bigint {
  if (ts === null) return defaultTimeNs;
  const unit = precision === 'auto' ? resolveAutoPrecision(ts) : precision;
  if (unit === 'ns') return ts;
  const ns = ts * SCALE[unit];
  if (ns < INT64_MIN || ns > INT64_MAX) throw timestampOutOfRange(ts, unit);
  return ns;
}
