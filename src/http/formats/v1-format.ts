import { badRequest } from '../../shared/app-error.js';
import type { StatementResult } from '../../storage/query/influxql/host.js';
import { formatRfc3339 } from './format-values.js';

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

/**
 * The InfluxDB 1.x /query body: {"results":[{"statement_id":0,"series":[{"name","tags","columns","values"}]}]},
 * times as RFC3339 strings, or integers in the `epoch` unit.
 */
export function renderV1(results: StatementResult[], epochDivisor: bigint | undefined, pretty: boolean): string {
  const body = {
    results: results.map((r) => {
      const out: Record<string, unknown> = { statement_id: r.statementId };
      if (r.series.length > 0) {
        out.series = r.series.map((s) => {
          const values = r.timeColumn
            ? s.values.map((row) => {
                const t = row[0] as bigint;
                return [epochDivisor === undefined ? formatRfc3339(t) : t / epochDivisor, ...row.slice(1)];
              })
            : s.values;
          const series: Record<string, unknown> = {};
          if (s.name !== undefined) series.name = s.name;
          if (s.tags !== undefined) series.tags = s.tags;
          series.columns = s.columns;
          series.values = values;
          return series;
        });
      }
      if (r.error !== undefined) out.error = r.error;
      return out;
    }),
  };
  return encode(body, pretty ? '    ' : '', 0);
}
