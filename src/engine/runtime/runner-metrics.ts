import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// Per-trigger execution facts kept in memory for system tables (issue 5) alongside the Prometheus series.
export interface ExecutionStats {
  calls: number;
  errors: number;
  timeouts: number;
  memoryKills: number;
  restarts: number;
  rssBytes: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

// Execution tracking for /metrics and the next issue's system tables; one instance per registry, labelled by trigger.
export class RunnerMetrics {
  private readonly calls: Counter<'trigger'>;
  private readonly errors: Counter<'trigger'>;
  private readonly timeouts: Counter<'trigger'>;
  private readonly memoryKills: Counter<'trigger'>;
  private readonly restarts: Counter<'trigger'>;
  private readonly duration: Histogram<'trigger'>;
  private readonly rss: Gauge<'trigger'>;
  private readonly stats = new Map<string, ExecutionStats>();
  private readonly hot = new Map<string, { calls: { inc(): void }; duration: { observe(v: number): void } }>();

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['trigger'] as const;
    this.calls = new Counter({ name: 'influxdb3_plugin_calls_total', help: 'plugin entry-point calls', labelNames, registers });
    this.errors = new Counter({ name: 'influxdb3_plugin_errors_total', help: 'plugin calls that failed (any reason)', labelNames, registers });
    this.timeouts = new Counter({ name: 'influxdb3_plugin_timeouts_total', help: 'plugin calls killed by --plugin-timeout', labelNames, registers });
    this.memoryKills = new Counter({ name: 'influxdb3_plugin_memory_kills_total', help: 'runners killed by --plugin-memory-limit', labelNames, registers });
    this.restarts = new Counter({ name: 'influxdb3_plugin_runner_restarts_total', help: 'plugin runner restarts by the supervisor', labelNames, registers });
    this.duration = new Histogram({
      name: 'influxdb3_plugin_call_duration_seconds',
      help: 'plugin call duration, host side (send to reply)',
      labelNames,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers,
    });
    this.rss = new Gauge({ name: 'influxdb3_plugin_runner_rss_bytes', help: 'resident set of the plugin runner', labelNames, registers });
  }

  call(trigger: string, seconds: number, failed: boolean): void {
    const s = this.of(trigger);
    s.calls++;
    // Label children are cached: this runs once per activation, on the hot path.
    let series = this.hot.get(trigger);
    if (!series) {
      series = { calls: this.calls.labels({ trigger }), duration: this.duration.labels({ trigger }) };
      this.hot.set(trigger, series);
    }
    series.calls.inc();
    series.duration.observe(seconds);
    if (failed) {
      s.errors++;
      this.errors.inc({ trigger });
    }
  }

  failure(trigger: string, message: string, at = Date.now()): void {
    const s = this.of(trigger);
    s.lastError = message;
    s.lastErrorAt = at;
  }

  timeout(trigger: string): void {
    this.of(trigger).timeouts++;
    this.timeouts.inc({ trigger });
  }

  memoryKill(trigger: string): void {
    this.of(trigger).memoryKills++;
    this.memoryKills.inc({ trigger });
  }

  restart(trigger: string): void {
    this.of(trigger).restarts++;
    this.restarts.inc({ trigger });
  }

  rssSample(trigger: string, bytes: number): void {
    this.of(trigger).rssBytes = bytes;
    this.rss.set({ trigger }, bytes);
  }

  // A trigger deleted (or a temporary runner gone): drop its RSS series so /metrics does not show a dead runner.
  forgetRunner(trigger: string): void {
    this.rss.remove({ trigger });
    const s = this.stats.get(trigger);
    if (s) s.rssBytes = null;
  }

  snapshot(): Map<string, ExecutionStats> {
    return new Map([...this.stats].map(([k, v]) => [k, { ...v }]));
  }

  private of(trigger: string): ExecutionStats {
    let s = this.stats.get(trigger);
    if (!s) {
      s = { calls: 0, errors: 0, timeouts: 0, memoryKills: 0, restarts: 0, rssBytes: null, lastError: null, lastErrorAt: null };
      this.stats.set(trigger, s);
    }
    return s;
  }
}
