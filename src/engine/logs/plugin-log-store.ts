import { systemClock, type Clock } from '../../shared/clock.js';

// Levels plugins log at (influxdb3_local.info/warn/error).
export type PluginLogLevel = 'INFO' | 'WARN' | 'ERROR';

// One row of system.processing_engine_logs (reference §3.1); event_time is nanoseconds since the epoch.
export interface PluginLogEntry {
  event_time: bigint;
  trigger_name: string;
  log_level: PluginLogLevel;
  log_text: string;
}

export const DEFAULT_LOG_CAPACITY = 10_000;

// Upstream keeps the last 10 000 plugin log events in memory, shared by all databases and lost on restart; this is
// that ring buffer, ready to back system.processing_engine_logs.
export class PluginLogStore {
  private readonly ring: Array<PluginLogEntry | undefined>;
  private next = 0;
  private count = 0;

  constructor(
    readonly capacity = DEFAULT_LOG_CAPACITY,
    private readonly clock: Clock = systemClock,
  ) {
    this.ring = new Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(trigger: string, level: PluginLogLevel, text: string): PluginLogEntry {
    const entry: PluginLogEntry = { event_time: this.clock.nowNs(), trigger_name: trigger, log_level: level, log_text: text };
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    return entry;
  }

  // Oldest first; optionally only one trigger's entries.
  entries(trigger?: string): PluginLogEntry[] {
    const out: PluginLogEntry[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(start + i) % this.capacity]!;
      if (trigger === undefined || e.trigger_name === trigger) out.push(e);
    }
    return out;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.count = 0;
  }
}
