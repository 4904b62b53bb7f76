// The last hour of each trigger's calls and errors, per minute, for the console's sparklines: /metrics keeps only
// totals, and a scraper may not be running. 60 fixed buckets per trigger; O(1) on the call path.

const MINUTE_MS = 60_000;
// How many minutes each trigger keeps (the current one included).
export const ACTIVITY_MINUTES = 60;

// One minute of a trigger's activity; minuteMs is the minute's start (epoch ms, UTC).
export interface ActivityMinute {
  minuteMs: number;
  calls: number;
  errors: number;
}

// A ring of per-minute counters: slot i holds the minute whose number (epoch minutes) is ≡ i mod 60.
class MinuteRing {
  private readonly minutes = new Float64Array(ACTIVITY_MINUTES).fill(-1);
  private readonly calls = new Uint32Array(ACTIVITY_MINUTES);
  private readonly errors = new Uint32Array(ACTIVITY_MINUTES);

  add(minute: number, failed: boolean): void {
    const slot = minute % ACTIVITY_MINUTES;
    if (this.minutes[slot] !== minute) {
      this.minutes[slot] = minute;
      this.calls[slot] = 0;
      this.errors[slot] = 0;
    }
    this.calls[slot]!++;
    if (failed) this.errors[slot]!++;
  }

  // The 60 minutes ending with `minute`, oldest first; minutes without calls count 0.
  window(minute: number): ActivityMinute[] {
    const out: ActivityMinute[] = [];
    for (let m = minute - ACTIVITY_MINUTES + 1; m <= minute; m++) {
      const slot = m % ACTIVITY_MINUTES;
      const held = this.minutes[slot] === m;
      out.push({ minuteMs: m * MINUTE_MS, calls: held ? this.calls[slot]! : 0, errors: held ? this.errors[slot]! : 0 });
    }
    return out;
  }
}

// Per-trigger activity over the last hour, keyed by runner name (as RunnerMetrics); memory only, gone on restart.
export class TriggerActivity {
  private readonly rings = new Map<string, MinuteRing>();

  record(trigger: string, failed: boolean, atMs: number): void {
    let ring = this.rings.get(trigger);
    if (!ring) {
      ring = new MinuteRing();
      this.rings.set(trigger, ring);
    }
    ring.add(Math.floor(atMs / MINUTE_MS), failed);
  }

  // The trigger's last 60 minutes up to the one holding nowMs, oldest first (all zero when it never ran).
  lastHour(trigger: string, nowMs: number): ActivityMinute[] {
    const minute = Math.floor(nowMs / MINUTE_MS);
    return (this.rings.get(trigger) ?? new MinuteRing()).window(minute);
  }

  forget(trigger: string): void {
    this.rings.delete(trigger);
  }
}
