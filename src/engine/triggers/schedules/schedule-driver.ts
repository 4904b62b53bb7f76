import { systemClock, type Clock } from '../../../shared/clock.js';
import { planAfterRun, planSlotsAfterRun, slotFunction, type ScheduleSpec, type SlotFn } from './schedule-slots.js';
import type { TriggerEvent } from '../trigger-event.js';

// Node timers hold at most 2^31-1 ms; longer waits (a yearly cron) are taken in steps.
const MAX_TIMER_MS = 2_147_483_647;
// Runs are handed to the runner this much ahead of the planned time with `start_at_ns`; the runner starts the entry
// point on the planned time itself, so timer, event-loop and pipe latency do not add to the firing jitter.
export const EARLY_DISPATCH_MS = 25;

// Fires a schedule trigger at its planned times and passes the planned time on. Unlike upstream, a
// run that overruns its next slots does not cause a burst of catch-up runs: the missed slots fold into one run at the
// latest due slot, and that run's event carries how many were missed (the runtime logs a WARN).
// Sequential triggers plan the next slot when a run ends; run_async triggers plan it when a run starts.
export class ScheduleDriver {
  private readonly slot: SlotFn;
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly spec: ScheduleSpec,
    private readonly options: {
      push(event: TriggerEvent): void;
      sequential: boolean;
      clock?: Clock;
      onEnd?(): void;
      // The next planned time as soon as it is known (null: the schedule has no more), so a runner can be ready.
      onPlanned?(plannedMs: number | null): void;
    },
  ) {
    this.slot = slotFunction(spec);
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    this.arm(this.slot(this.clock.nowMs()), 0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(plannedMs: number | null, missed: number): void {
    if (this.stopped) return;
    this.options.onPlanned?.(plannedMs);
    if (plannedMs === null) {
      this.options.onEnd?.();
      return;
    }
    const dispatchAt = plannedMs - EARLY_DISPATCH_MS;
    const wait = dispatchAt - this.clock.nowMs();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      // Timers may wake a little early (or a long wait was cut in steps): wait out the rest.
      if (this.clock.nowMs() < dispatchAt) this.arm(plannedMs, missed);
      else this.fire(plannedMs, missed);
    }, Math.min(Math.max(0, wait), MAX_TIMER_MS));
  }

  private fire(plannedMs: number, missed: number): void {
    if (this.stopped) return;
    if (this.options.sequential) {
      this.options.push({
        kind: 'schedule',
        plannedMs,
        missed,
        done: () => {
          const plan = planAfterRun(this.spec, plannedMs, this.clock.nowMs());
          this.arm(plan.nextPlannedMs, plan.missed);
        },
      });
      return;
    }
    this.options.push({ kind: 'schedule', plannedMs, missed });
    const plan = planSlotsAfterRun(this.slot, plannedMs, this.clock.nowMs());
    this.arm(plan.nextPlannedMs, plan.missed);
  }
}
