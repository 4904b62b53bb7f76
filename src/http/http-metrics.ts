import type { Context, Next } from 'koa';
import { Counter, Histogram, type Registry } from 'prom-client';

// Upstream's HTTP server metrics (IOx trace_http): http_requests_total and http_request_duration_seconds by method,
// route path and status class (ok, client_error, server_error, aborted), so dashboards built for InfluxDB 3 work.
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'path' | 'status'>;
  private readonly duration: Histogram<'method' | 'path' | 'status'>;

  constructor(registry: Registry) {
    const labelNames = ['method', 'path', 'status'] as const;
    this.requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route path and status class', labelNames, registers: [registry] });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests by method, route path and status class',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  // Koa middleware, first in the chain: times every request, unknown paths under one label (no unbounded series).
  middleware() {
    return async (ctx: Context, next: Next): Promise<void> => {
      const started = performance.now();
      // Counted when the response has gone (a streamed body is still being written when next() returns); a response
      // closed before it finished was cut off: aborted.
      const record = (): void => {
        const path = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
        const aborted = !ctx.res.writableFinished;
        const status = aborted ? 'aborted' : ctx.status >= 500 ? 'server_error' : ctx.status >= 400 ? 'client_error' : 'ok';
        const labels = { method: ctx.method, path: String(path), status };
        this.requests.inc(labels);
        this.duration.observe(labels, (performance.now() - started) / 1000);
      };
      ctx.res.once('close', record);
      await next();
    };
  }
}
