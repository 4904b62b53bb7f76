import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { TriggerActivity } from './trigger-activity.js';

// Per-runner execution facts kept in memory for system tables alongside the Prometheus series.
export interface ExecutionStats {
  calls: number;
  errors: number;
  timeouts: number;
  memoryKills: number;
  restarts: number;
  rssBytes: number | null;
  lastError: string | null;
  // The Python traceback of the last error, when the runner sent one.
  lastErrorTraceback: string | null;
  lastErrorAt: number | null;
  // Call duration percentiles over the last DURATION_WINDOW calls (host side, ms); null before the first call.
  p50Ms: number | null;
  p99Ms: number | null;
  // The protections the trigger's last runner ran under ('bwrap,userns,cgroup,rlimits', 'none (--plugin-sandbox off)').
  sandbox: string | null;
  // The last limit kill, naming the limit (memory, processes, timeout) and the numbers.
  lastKillReason: string | null;
}

// How many recent call durations each runner keeps for its percentiles.
export const DURATION_WINDOW = 1024;

// A trigger's stats before its first call.
export function emptyExecutionStats(): ExecutionStats {
  return {
    calls: 0,
    errors: 0,
    timeouts: 0,
    memoryKills: 0,
    restarts: 0,
    rssBytes: null,
    lastError: null,
    lastErrorTraceback: null,
    lastErrorAt: null,
    p50Ms: null,
    p99Ms: null,
    sandbox: null,
    lastKillReason: null,
  };
}

// Execution tracking for /metrics and system.processing_engine_trigger_stats; one instance per registry, labelled by runner name.
export class RunnerMetrics {
  private readonly calls: Counter<'trigger'>;
  private readonly errors: Counter<'trigger'>;
  private readonly timeouts: Counter<'trigger'>;
  private readonly memoryKills: Counter<'trigger'>;
  private readonly restarts: Counter<'trigger'>;
  private readonly idleStops: Counter<'trigger'>;
  private readonly duration: Histogram<'trigger'>;
  private readonly rss: Gauge<'trigger'>;
  private readonly limitKills: Counter<'trigger' | 'limit'>;
  private readonly sandboxLevel: Gauge<'trigger' | 'level'>;
  private readonly stats = new Map<string, ExecutionStats>();
  private readonly hot = new Map<string, { calls: { inc(): void }; duration: { observe(v: number): void } }>();
  private readonly durations = new Map<string, DurationRing>();
  // Calls and errors per minute over the last hour (system.processing_engine_trigger_activity).
  readonly activity = new TriggerActivity();

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['trigger'] as const;
    this.calls = new Counter({ name: 'influxdb3_plugin_calls_total', help: 'plugin entry-point calls', labelNames, registers });
    this.errors = new Counter({ name: 'influxdb3_plugin_errors_total', help: 'plugin calls that failed (any reason)', labelNames, registers });
    this.timeouts = new Counter({ name: 'influxdb3_plugin_timeouts_total', help: 'plugin calls killed by --plugin-timeout', labelNames, registers });
    this.memoryKills = new Counter({ name: 'influxdb3_plugin_memory_kills_total', help: 'runners killed by --plugin-memory-limit', labelNames, registers });
    this.restarts = new Counter({ name: 'influxdb3_plugin_runner_restarts_total', help: 'plugin runner restarts by the supervisor', labelNames, registers });
    this.idleStops = new Counter({
      name: 'influxdb3_plugin_runner_idle_stops_total',
      help: 'plugin runners stopped after --plugin-runner-idle-timeout without work (not failures; the next event starts one)',
      labelNames,
      registers,
    });
    this.duration = new Histogram({
      name: 'influxdb3_plugin_call_duration_seconds',
      help: 'plugin call duration, host side (send to reply)',
      labelNames,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers,
    });
    this.rss = new Gauge({ name: 'influxdb3_plugin_runner_rss_bytes', help: 'resident set of the plugin runner', labelNames, registers });
    this.limitKills = new Counter({
      name: 'influxdb3_plugin_limit_kills_total',
      help: 'plugin runners killed for a limit (memory, processes, timeout)',
      labelNames: ['trigger', 'limit'],
      registers,
    });
    this.sandboxLevel = new Gauge({
      name: 'influxdb3_plugin_runner_sandbox',
      help: 'the protections a trigger runner runs under (1 for the level in force)',
      labelNames: ['trigger', 'level'],
      registers,
    });
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
    let ring = this.durations.get(trigger);
    if (!ring) {
      ring = new DurationRing(DURATION_WINDOW);
      this.durations.set(trigger, ring);
    }
    ring.push(seconds * 1000);
    this.activity.record(trigger, failed, Date.now());
    if (failed) {
      s.errors++;
      this.errors.inc({ trigger });
    }
  }

  failure(trigger: string, message: string, at = Date.now(), traceback: string | null = null): void {
    const s = this.of(trigger);
    s.lastError = message;
    s.lastErrorTraceback = traceback;
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

  // A runner was stopped for want of work (not a restart: the next event starts a new one).
  idleStop(trigger: string): void {
    this.idleStops.inc({ trigger });
  }

  // A runner was killed for `limit`; `reason` is the message the call failed with.
  limitKill(trigger: string, limit: string, reason: string): void {
    this.of(trigger).lastKillReason = `${limit}: ${reason}`;
    this.limitKills.inc({ trigger, limit });
  }

  // A runner started under `level`.
  sandbox(trigger: string, level: string): void {
    const s = this.of(trigger);
    if (s.sandbox !== null && s.sandbox !== level) this.sandboxLevel.remove({ trigger, level: s.sandbox });
    s.sandbox = level;
    this.sandboxLevel.set({ trigger, level }, 1);
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
    if (s?.sandbox) this.sandboxLevel.remove({ trigger, level: s.sandbox });
  }

  // A trigger deleted or re-created: forget every fact and series of it, so a new trigger of that name starts at 0.
  forget(trigger: string): void {
    for (const metric of [this.calls, this.errors, this.timeouts, this.memoryKills, this.restarts, this.idleStops, this.duration, this.rss]) {
      metric.remove({ trigger });
    }
    // Series with a second label: drop every one of this trigger's.
    const s = this.stats.get(trigger);
    if (s?.sandbox) this.sandboxLevel.remove({ trigger, level: s.sandbox });
    for (const limit of ['memory', 'processes', 'timeout']) this.limitKills.remove({ trigger, limit });
    this.hot.delete(trigger);
    this.durations.delete(trigger);
    this.activity.forget(trigger);
    this.stats.delete(trigger);
  }

  // One runner's stats (a copy, percentiles computed now), for system.processing_engine_trigger_stats.
  statsOf(trigger: string): ExecutionStats | undefined {
    const s = this.stats.get(trigger);
    if (!s) return undefined;
    const ring = this.durations.get(trigger);
    return { ...s, p50Ms: ring?.percentile(0.5) ?? null, p99Ms: ring?.percentile(0.99) ?? null };
  }

  snapshot(): Map<string, ExecutionStats> {
    return new Map([...this.stats.keys()].map((k) => [k, this.statsOf(k)!]));
  }

  private of(trigger: string): ExecutionStats {
    let s = this.stats.get(trigger);
    if (!s) {
      s = emptyExecutionStats();
      this.stats.set(trigger, s);
    }
    return s;
  }
}

// The last `size` values in a fixed buffer: O(1) on the call path, sorted only when someone reads a percentile.
class DurationRing {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  push(value: number): void {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.values.length;
    if (this.count < this.values.length) this.count++;
  }

  // Nearest-rank percentile (q in (0, 1]) of the values held, or null when there are none.
  percentile(q: number): number | null {
    if (this.count === 0) return null;
    const sorted = this.values.slice(0, this.count).sort();
    return sorted[Math.min(this.count, Math.max(1, Math.ceil(q * this.count))) - 1]!;
  }
}
