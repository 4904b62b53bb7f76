import { Packr } from 'msgpackr';
import { badRequest } from '../../shared/app-error.js';
import type { StatementResult } from '../../storage/query/influxql/host.js';
import { formatRfc3339 } from './format-values.js';
import { encodeV1Json } from './v1-format.js';

// The encodings of the 1.x /query API, chosen by Accept (upstream's QueryFormat): JSON (pretty with `pretty=true`),
// CSV and MessagePack.
export type V1Format = 'json' | 'csv' | 'msgpack';

export const V1_CONTENT_TYPES: Record<V1Format, string> = {
  json: 'application/json',
  csv: 'application/csv',
  msgpack: 'application/x-msgpack',
};

const V1_ACCEPT: Record<string, V1Format> = {
  'application/json': 'json',
  '*/*': 'json',
  'application/csv': 'csv',
  'text/csv': 'csv',
  'application/x-msgpack': 'msgpack',
};

// The first type of the Accept list we serve; JSON when there is none (1.x answers JSON to anything else too).
export function v1Format(accept: string | undefined): V1Format {
  for (const part of (accept ?? '').split(',')) {
    const known = V1_ACCEPT[part.split(';')[0]!.trim().toLowerCase()];
    if (known) return known;
  }
  return 'json';
}

// Upstream's (and 1.x's) default rows per chunk when `chunked=true` comes without `chunk_size`.
export const DEFAULT_CHUNK_SIZE = 10_000;

export function parseChunkSize(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_CHUNK_SIZE;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw badRequest(`invalid chunk_size '${raw}': expected a positive integer`);
  return n;
}

type Obj = Record<string, unknown>;

function timed(result: StatementResult, values: unknown[][], epoch: bigint | undefined): unknown[][] {
  if (!result.timeColumn) return values;
  return values.map((row) => {
    const t = row[0] as bigint;
    return [epoch === undefined ? formatRfc3339(t) : t / epoch, ...row.slice(1)];
  });
}

function seriesObject(s: StatementResult['series'][number], values: unknown[][], partial: boolean): Obj {
  const out: Obj = {};
  if (s.name !== undefined) out.name = s.name;
  if (s.tags !== undefined) out.tags = s.tags;
  out.columns = s.columns;
  out.values = values;
  if (partial) out.partial = true;
  return out;
}

/**
 * The response objects of a request: one holding every statement, or with `chunkSize` one per chunk as upstream
 * streams them — at most chunkSize rows of one series each, `partial: true` on a series that continues in the next
 * chunk and on a result whose statement has more chunks.
 */
export function v1Responses(results: StatementResult[], epoch: bigint | undefined, chunkSize?: number): Obj[] {
  if (chunkSize === undefined) {
    return [{
      results: results.map((r) => {
        const out: Obj = { statement_id: r.statementId };
        if (r.series.length > 0) out.series = r.series.map((s) => seriesObject(s, timed(r, s.values, epoch), false));
        if (r.error !== undefined) out.error = r.error;
        return out;
      }),
    }];
  }
  const out: Obj[] = [];
  for (const r of results) {
    if (r.error !== undefined || r.series.length === 0) {
      out.push({ results: [r.error === undefined ? { statement_id: r.statementId } : { statement_id: r.statementId, error: r.error }] });
      continue;
    }
    const chunks: Obj[] = [];
    for (const s of r.series) {
      for (let i = 0; i < Math.max(s.values.length, 1); i += chunkSize) {
        const rows = s.values.slice(i, i + chunkSize);
        chunks.push({ statement_id: r.statementId, series: [seriesObject(s, timed(r, rows, epoch), i + chunkSize < s.values.length)] });
      }
    }
    chunks.forEach((c, i) => {
      if (i < chunks.length - 1) c.partial = true;
      out.push({ results: [c] });
    });
  }
  return out;
}

// msgpackr with 64-bit integers kept exact (InfluxDB integers are int64) and maps for objects, as 1.x clients
// decode them.
const packr = new Packr({ useRecords: false, variableMapSize: true });

function packable(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(packable);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, packable(x)]));
  return v;
}

/**
 * The InfluxDB 1.x /query JSON body: {"results":[{"statement_id":0,"series":[{"name","tags","columns","values"}]}]},
 * times as RFC3339 strings or integers in the `epoch` unit, ending with a newline.
 */
export function renderV1(results: StatementResult[], epoch: bigint | undefined, pretty: boolean): string {
  return encodeV1(v1Responses(results, epoch), 'json', pretty).join('');
}

// The body parts of a JSON or MessagePack answer: one per response object (one line each in JSON).
export function encodeV1(objects: Obj[], format: 'json' | 'msgpack', pretty: boolean): Buffer[] {
  if (format === 'msgpack') return objects.map((o) => packr.pack(packable(o)));
  return objects.map((o) => Buffer.from(`${encodeV1Json(o, pretty ? '    ' : '')}\n`));
}

function csvEscape(s: string): string {
  return s.includes(',') || s.includes('"') ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  return csvEscape(String(v));
}

/**
 * CSV as upstream writes it: per statement a `name,tags,<columns>` header, then one row per point with the
 * measurement and `k=v,...` tags; times always as integers in the `epoch` unit (nanoseconds by default); a blank
 * line between statements; failed statements leave nothing.
 */
export function encodeV1Csv(results: StatementResult[], epoch: bigint | undefined): string {
  const divisor = epoch ?? 1n;
  let body = '';
  let first = true;
  for (const r of results) {
    if (r.error !== undefined || r.series.length === 0) continue;
    if (!first) body += '\n';
    first = false;
    body += `name,tags${r.series[0]!.columns.map((c) => `,${c}`).join('')}\n`;
    for (const s of r.series) {
      const prefix = `${csvEscape(s.name ?? '')},${csvEscape(Object.entries(s.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(','))}`;
      for (const row of s.values) {
        const cells = row.map((v, i) => (r.timeColumn && i === 0 ? ((v as bigint) / divisor).toString() : csvValue(v)));
        body += `${prefix},${cells.join(',')}\n`;
      }
    }
  }
  return body;
}
