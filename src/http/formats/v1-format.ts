import { badRequest } from '../../shared/app-error.js';

const EPOCH_DIVISORS: Record<string, bigint> = {
  ns: 1n,
  n: 1n,
  u: 1_000n,
  µ: 1_000n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

// The divisor for `epoch=`; undefined (no epoch) keeps RFC3339 strings.
export function parseEpoch(epoch: string | undefined): bigint | undefined {
  if (epoch === undefined || epoch === '') return undefined;
  const d = EPOCH_DIVISORS[epoch];
  if (d === undefined) throw badRequest(`invalid epoch '${epoch}': expected one of ns, u, µ, ms, s, m, h`);
  return d;
}

// JSON with bigint kept exact (InfluxDB integers are 64-bit) and non-finite floats as null.
function encode(v: unknown, indent: string, depth: number): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  const nl = indent ? `\n${indent.repeat(depth + 1)}` : '';
  const close = indent ? `\n${indent.repeat(depth)}` : '';
  const sep = indent ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${v.map((x) => nl + encode(x, indent, depth + 1)).join(',')}${close}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '{}';
  return `{${entries.map(([k, x]) => `${nl}${JSON.stringify(k)}${sep}${encode(x, indent, depth + 1)}`).join(',')}${close}}`;
}

// One response object as JSON text (`indent` '' for compact).
export function encodeV1Json(value: unknown, indent: string): string {
  return encode(value, indent, 0);
}
