import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { Counter, Histogram, Registry } from 'prom-client';
import { HttpMetrics } from '../../src/http/http-metrics.js';

// prom-client's own metrics fed the same observations: the exposition must not change.
function reference(observations: Array<[string, string, string, number]>): Registry {
  const registry = new Registry();
  const labelNames = ['method', 'path', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route path and status class', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests by method, route path and status class',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  for (const [method, path, status, seconds] of observations) {
    requests.inc({ method, path, status });
    duration.observe({ method, path, status }, seconds);
  }
  return registry;
}

describe('http/http-metrics', () => {
  const observations: Array<[string, string, string, number]> = [
    ['GET', '/api/v3/engine/*path', 'ok', 0.0005],
    ['GET', '/api/v3/engine/*path', 'ok', 0.001],
    ['GET', '/api/v3/engine/*path', 'ok', 0.003],
    ['POST', '/api/v3/write_lp', 'client_error', 0.02],
    ['GET', '/api/v3/engine/*path', 'ok', 20],
    ['GET', 'unmatched', 'aborted', 0.3],
  ];

  it('exposes the same text as prom-client counters and histograms fed the same requests', async () => {
    const registry = new Registry();
    const metrics = new HttpMetrics(registry);
    for (const [method, path, status, seconds] of observations) metrics.observe(method, path, status, seconds);
    expect(await registry.metrics()).to.equal(await reference(observations).metrics());
    registry.resetMetrics();
    expect(await registry.metrics()).to.equal(await reference([]).metrics());
  });

  it('counts a request when its response closes, by matched route and status class', async () => {
    const registry = new Registry();
    const mw = new HttpMetrics(registry).middleware();
    const answer = async (status: number, finished: boolean, route?: string): Promise<void> => {
      const res = Object.assign(new EventEmitter(), { writableFinished: finished });
      const ctx = { method: 'GET', status, res, _matchedRoute: route } as unknown as Parameters<typeof mw>[0];
      await mw(ctx, async () => undefined);
      res.emit('close');
    };
    await answer(200, true, '/health');
    await answer(503, true, '/health');
    await answer(200, false);
    const text = await registry.metrics();
    expect(text).to.include('http_requests_total{method="GET",path="/health",status="ok"} 1');
    expect(text).to.include('http_requests_total{method="GET",path="/health",status="server_error"} 1');
    expect(text).to.include('http_request_duration_seconds_count{method="GET",path="unmatched",status="aborted"} 1');
  });
});
