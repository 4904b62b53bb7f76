import { Counter, Histogram, Registry } from 'prom-client';
import type { QueryLogObserver } from './query/query-log.js';

// Prometheus instruments of the storage layer, registered on the server's registry.
export class StorageMetrics {
  private readonly writes: Counter;
  private readonly lines: Counter;
  private readonly bytes: Counter;
  private readonly rejected: Counter;
  private readonly catalogOps: Counter;
  // Upstream's query-log metrics, fed by the query log.
  readonly queryPhases: QueryLogObserver;
  private readonly fsync: Histogram;
  private readonly queries: Histogram;
  private readonly queryErrors: Counter;
  private readonly backlogDropped: Counter;

  constructor(registry: Registry) {
    this.writes = new Counter({ name: 'influxdb3_write_requests_total', help: 'Write requests that stored at least one line', registers: [registry] });
    // Upstream's names and `db` label.
    this.lines = new Counter({ name: 'influxdb3_write_lines_total', help: 'track total number of lines written to the database', labelNames: ['db'], registers: [registry] });
    this.rejected = new Counter({
      name: 'influxdb3_write_lines_rejected_total',
      help: 'track total number of lines written to the database that were rejected',
      labelNames: ['db'],
      registers: [registry],
    });
    this.bytes = new Counter({ name: 'influxdb3_write_bytes_total', help: 'track total number of bytes written to the database', labelNames: ['db'], registers: [registry] });
    this.catalogOps = new Counter({ name: 'influxdb3_catalog_operations_total', help: 'catalog operations by type', labelNames: ['type'], registers: [registry] });
    const phases = new Counter({ name: 'influxdb_iox_query_log_phase_entered_total', help: 'queries that entered each phase', labelNames: ['phase'], registers: [registry] });
    const seconds = (name: string, help: string): Histogram =>
      new Histogram({ name, help, buckets: [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60], registers: [registry] });
    const permit = seconds('influxdb_iox_query_log_permit_duration_seconds', 'Duration it took to acquire a semaphore permit');
    const plan = seconds('influxdb_iox_query_log_plan_duration_seconds', 'Duration it took to logically and physically plan the query');
    const execute = seconds('influxdb_iox_query_log_execute_duration_seconds', 'Duration it took to execute the query');
    const end2end = seconds('influxdb_iox_query_log_end2end_duration_seconds', 'Duration from `issue_time` til the query ended somehow');
    const rows = new Histogram({
      name: 'influxdb_iox_query_log_num_rows',
      help: 'The number of rows returned per query',
      buckets: [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000],
      registers: [registry],
    });
    this.queryPhases = {
      entered: (phase) => phases.inc({ phase }),
      ended: (e) => {
        if (e.permitMs !== null) permit.observe(e.permitMs / 1000);
        if (e.planMs !== null) plan.observe(e.planMs / 1000);
        if (e.executeMs !== null) execute.observe(e.executeMs / 1000);
        if (e.end2endMs !== null) end2end.observe(e.end2endMs / 1000);
        if (e.rows !== null) rows.observe(e.rows);
      },
    };
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

  write(db: string, lines: number, bytes: number, rejected: number): void {
    this.writes.inc();
    this.lines.inc({ db }, lines);
    this.bytes.inc({ db }, bytes);
    if (rejected > 0) this.rejected.inc({ db }, rejected);
  }

  // Lines refused by a write that stored none.
  writeRejected(db: string, lines: number): void {
    if (lines > 0) this.rejected.inc({ db }, lines);
  }

  catalogOperation(type: string): void {
    this.catalogOps.inc({ type });
  }

  walFsync(durationMs: number, _records: number, _bytes: number): void {
    this.fsync.observe(durationMs / 1000);
  }

  query(durationMs: number, ok: boolean): void {
    this.queries.observe({ status: ok ? 'ok' : 'error' }, durationMs / 1000);
    if (!ok) this.queryErrors.inc();
  }
}
