import { Counter, Histogram, type Registry } from 'prom-client';
import { GrpcCode } from './grpc-status.js';

const SERVER_ERRORS: ReadonlySet<number> = new Set([GrpcCode.UNKNOWN, GrpcCode.INTERNAL, GrpcCode.UNAVAILABLE, 15 /* DATA_LOSS */]);

// gRPC calls by method and status code (ours), and upstream's grpc_requests_total / grpc_request_duration_seconds by
// path and status class, beside the storage's query metrics (which Flight queries also feed).
export class FlightMetrics {
  private readonly calls: Counter<'method' | 'code'>;
  private readonly requests: Counter<'path' | 'status'>;
  private readonly duration: Histogram<'path' | 'status'>;

  constructor(registry: Registry) {
    this.calls = new Counter({
      name: 'influxdb3_flight_requests_total',
      help: 'Arrow Flight (gRPC) calls by method and gRPC status code',
      labelNames: ['method', 'code'],
      registers: [registry],
    });
    this.requests = new Counter({ name: 'grpc_requests_total', help: 'gRPC requests by path and status class', labelNames: ['path', 'status'], registers: [registry] });
    this.duration = new Histogram({
      name: 'grpc_request_duration_seconds',
      help: 'Duration of gRPC requests by path and status class',
      labelNames: ['path', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
      registers: [registry],
    });
  }

  call(method: string, code: number, seconds: number): void {
    this.calls.inc({ method, code: String(code) });
    const labels = { path: `/arrow.flight.protocol.FlightService/${method}`, status: statusClass(code) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }
}

function statusClass(code: number): string {
  if (code === GrpcCode.OK) return 'ok';
  if (code === GrpcCode.CANCELLED) return 'aborted';
  return SERVER_ERRORS.has(code) ? 'server_error' : 'client_error';
}
