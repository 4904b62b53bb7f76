// The figures the Server page shows, from the Prometheus text format of /metrics: each metric summed over its label
// sets (histograms as their _sum and _count series). Pure, tested in console/test/metrics.test.ts.

export type MetricTotals = Map<string, number>;

// One sample line: `name{labels} value [timestamp]`; comments and blank lines are skipped.
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/;

export function parseMetrics(text: string): MetricTotals {
  const totals: MetricTotals = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    totals.set(m[1]!, (totals.get(m[1]!) ?? 0) + value);
  }
  return totals;
}

export interface ServerFigures {
  uptimeSeconds: number | null;
  rssBytes: number | null;
  writeLines: number | null;
  writeRequests: number | null;
  rejectedLines: number | null;
  queries: number | null;
  queryErrors: number | null;
  meanQueryMs: number | null;
  meanFsyncMs: number | null;
  httpRequests: number | null;
}

const meanMs = (t: MetricTotals, name: string): number | null => {
  const count = t.get(`${name}_count`);
  const sum = t.get(`${name}_sum`);
  return count && sum !== undefined ? (sum / count) * 1000 : null;
};

export function serverFigures(t: MetricTotals, nowSeconds: number): ServerFigures {
  const start = t.get('process_start_time_seconds');
  return {
    uptimeSeconds: start === undefined ? null : Math.max(0, nowSeconds - start),
    rssBytes: t.get('process_resident_memory_bytes') ?? null,
    writeLines: t.get('influxdb3_write_lines_total') ?? null,
    writeRequests: t.get('influxdb3_write_requests_total') ?? null,
    rejectedLines: t.get('influxdb3_write_lines_rejected_total') ?? null,
    queries: t.get('influxdb3_query_duration_seconds_count') ?? null,
    queryErrors: t.get('influxdb3_query_errors_total') ?? null,
    meanQueryMs: meanMs(t, 'influxdb3_query_duration_seconds'),
    meanFsyncMs: meanMs(t, 'influxdb3_wal_fsync_duration_seconds'),
    httpRequests: t.get('http_requests_total') ?? null,
  };
}

// Per-second rate of a counter between two readings; null before the second reading or after a restart.
export function rate(before: number | null | undefined, after: number | null, seconds: number): number | null {
  if (before === null || before === undefined || after === null || seconds <= 0 || after < before) return null;
  return (after - before) / seconds;
}

export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
