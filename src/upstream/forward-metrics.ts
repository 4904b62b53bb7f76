import { Counter, Gauge, type Registry } from 'prom-client';
import type { ForwardStatus } from './forwarder.js';

// The write gateway's Prometheus series, read from the forwarder's status at each scrape.
export function registerForwardMetrics(registry: Registry, status: () => ForwardStatus, nowNs: () => bigint): void {
  const gauge = (name: string, help: string, value: (s: ForwardStatus) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value(status()));
      },
    });
  };
  const counter = (name: string, help: string, value: (s: ForwardStatus) => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = value(status());
        this.reset();
        this.inc(now);
      },
    });
  };
  gauge('influxdb3_upstream_backlog_bytes', 'WAL bytes acknowledged by this process node and not yet forwarded to the upstream', (s) => s.backlogBytes);
  gauge('influxdb3_upstream_backlog_records', 'Writes acknowledged by this process node and not yet forwarded to the upstream', (s) => s.backlogRecords);
  gauge('influxdb3_upstream_backlog_age_seconds', 'Age of the oldest write not yet forwarded to the upstream (0 without a backlog)', (s) =>
    s.oldestUnforwardedNs === null ? 0 : Math.max(0, Number(nowNs() - s.oldestUnforwardedNs) / 1e9),
  );
  gauge('influxdb3_upstream_reachable', '1 while the upstream takes forwarded writes, 0 while they are retried or the upstream is unknown', (s) =>
    s.state === 'idle' || s.state === 'forwarding' ? 1 : 0,
  );
  counter('influxdb3_upstream_forwarded_writes_total', 'Writes (WAL records) forwarded to the upstream, refused ones included', (s) => s.forwardedRecords);
  counter('influxdb3_upstream_forwarded_lines_total', 'Lines the upstream stored', (s) => s.forwardedLines);
  counter('influxdb3_upstream_refused_writes_total', 'Writes (WAL records) the upstream refused for good (a 4xx such as a field type conflict); logged with their seqs', (s) => s.refusedRecords);
  counter('influxdb3_upstream_refused_lines_total', 'Lines in requests the upstream refused for good', (s) => s.refusedLines);
}
