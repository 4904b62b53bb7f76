import { Counter, type Registry } from 'prom-client';

// gRPC calls by method and status code, beside the storage's query metrics (which Flight queries also feed).
export class FlightMetrics {
  private readonly calls: Counter<'method' | 'code'>;

  constructor(registry: Registry) {
    this.calls = new Counter({
      name: 'influxdb3_flight_requests_total',
      help: 'Arrow Flight (gRPC) calls by method and gRPC status code',
      labelNames: ['method', 'code'],
      registers: [registry],
    });
  }

  call(method: string, code: number): void {
    this.calls.inc({ method, code: String(code) });
  }
}
