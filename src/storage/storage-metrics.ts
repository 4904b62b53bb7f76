import { Counter, Histogram, Registry } from 'prom-client';

// Prometheus instruments of the storage layer, registered on the server's registry.
export class StorageMetrics {
  private readonly writes: Counter;
  private readonly lines: Counter;
  private readonly bytes: Counter;
  private readonly fsync: Histogram;
  private readonly queries: Histogram;
  private readonly queryErrors: Counter;
  private readonly backlogDropped: Counter;

  constructor(registry: Registry) {
    this.writes = new Counter({ name: 'influxdb3_write_requests_total', help: 'Write requests that stored at least one line', registers: [registry] });
    this.lines = new Counter({ name: 'influxdb3_write_lines_total', help: 'Lines of line protocol stored', registers: [registry] });
    this.bytes = new Counter({ name: 'influxdb3_write_bytes_total', help: 'Bytes of line protocol received by successful writes', registers: [registry] });
    this.fsync = new Histogram({
      name: 'influxdb3_wal_fsync_duration_seconds',
      help: 'Duration of one WAL group commit (write + fsync)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    this.queries = new Histogram({
      name: 'influxdb3_query_duration_seconds',
      help: 'Duration of SQL queries',
      labelNames: ['status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers: [registry],
    });
    this.queryErrors = new Counter({ name: 'influxdb3_query_errors_total', help: 'Queries that failed', registers: [registry] });
    this.backlogDropped = new Counter({
      name: 'influxdb3_plugin_wal_backlog_dropped_total',
      help: 'WAL records dropped before every WAL trigger had seen them (backlog over --plugin-wal-backlog-max)',
      registers: [registry],
    });
  }

  walBacklogDropped(records: number): void {
    this.backlogDropped.inc(records);
  }

  write(lines: number, bytes: number): void {
    this.writes.inc();
    this.lines.inc(lines);
    this.bytes.inc(bytes);
  }

  walFsync(durationMs: number, _records: number, _bytes: number): void {
    this.fsync.observe(durationMs / 1000);
  }

  query(durationMs: number, ok: boolean): void {
    this.queries.observe({ status: ok ? 'ok' : 'error' }, durationMs / 1000);
    if (!ok) this.queryErrors.inc();
  }
}
