import type { Context, Next } from 'koa';
import type { Registry } from 'prom-client';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// One (method, route path, status class) series: its request count and duration histogram.
interface Series {
  labels: { method: string; path: string; status: string };
  count: number;
  sum: number;
  // Requests per bucket (not cumulative); the last slot is above every bound.
  buckets: number[];
}

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

// Upstream's HTTP server metrics (IOx trace_http): http_requests_total and http_request_duration_seconds by method,
// route path and status class (ok, client_error, server_error, aborted), so dashboards built for InfluxDB 3 work.
// Counted in plain per-series records (a map lookup and a few additions per request) and rendered by the registry
// at scrape time; prom-client's own inc/observe validate and hash the labels on every call, on every request.
export class HttpMetrics {
  private readonly series = new Map<string, Series>();

  constructor(registry: Registry) {
    const all = (): Series[] => [...this.series.values()];
    const reset = (): void => this.series.clear();
    registry.registerMetric({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route path and status class',
      type: 'counter',
      aggregator: 'sum',
      reset,
      get: async () => ({
        name: 'http_requests_total',
        help: 'HTTP requests by method, route path and status class',
        type: 'counter',
        aggregator: 'sum',
        values: all().map((s): Sample => ({ labels: { ...s.labels }, value: s.count })),
      }),
    } as unknown as Parameters<Registry['registerMetric']>[0]);
    const name = 'http_request_duration_seconds';
    const help = 'Duration of HTTP requests by method, route path and status class';
    registry.registerMetric({
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      reset,
      get: async () => ({ name, help, type: 'histogram', aggregator: 'sum', values: all().flatMap((s) => histogramSamples(name, s)) }),
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  // Koa middleware, first in the chain: times every request, unknown paths under one label (no unbounded series).
  middleware() {
    return async (ctx: Context, next: Next): Promise<void> => {
      const started = performance.now();
      // Counted when the response has gone (a streamed body is still being written when next() returns); a response
      // closed before it finished was cut off: aborted.
      const record = (): void => {
        const path = String((ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched');
        const aborted = !ctx.res.writableFinished;
        const status = aborted ? 'aborted' : ctx.status >= 500 ? 'server_error' : ctx.status >= 400 ? 'client_error' : 'ok';
        this.observe(ctx.method, path, status, (performance.now() - started) / 1000);
      };
      ctx.res.once('close', record);
      await next();
    };
  }

  observe(method: string, path: string, status: string, seconds: number): void {
    const key = `${method} ${status} ${path}`;
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { method, path, status }, count: 0, sum: 0, buckets: new Array<number>(BUCKETS.length + 1).fill(0) };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    let b = 0;
    while (b < BUCKETS.length && seconds > BUCKETS[b]!) b++;
    s.buckets[b]!++;
  }
}

// A series as prom-client renders a histogram: cumulative `_bucket`s (le first), `+Inf`, `_sum`, `_count`.
function histogramSamples(name: string, s: Series): Sample[] {
  const out: Sample[] = [];
  let acc = 0;
  for (let i = 0; i < BUCKETS.length; i++) {
    acc += s.buckets[i]!;
    out.push({ labels: { le: BUCKETS[i]!, ...s.labels }, value: acc, metricName: `${name}_bucket` });
  }
  out.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${name}_bucket` });
  out.push({ labels: { ...s.labels }, value: s.sum, metricName: `${name}_sum` });
  out.push({ labels: { ...s.labels }, value: s.count, metricName: `${name}_count` });
  return out;
}
