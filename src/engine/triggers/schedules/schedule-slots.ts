import { CronExpression } from './cron-expression.js';
import { type SlotPlan, firstEveryFireMs, planEveryAfterRun } from './every-schedule.js';
import type { TriggerSpec } from '../trigger-spec.js';

// A schedule trigger's spec, the only kinds that have fire times.
export type ScheduleSpec = Extract<TriggerSpec, { kind: 'schedule' }>;

// The next fire time strictly after a given time, or null for never.
export type SlotFn = (afterMs: number) => number | null;

const MAX_COUNTED = 100_000;

// One function for both schedule forms, so the scheduler loop does not care which it runs.
export function slotFunction(spec: ScheduleSpec): SlotFn {
  if (spec.form === 'every') return (afterMs) => firstEveryFireMs(afterMs, spec.periodMs);
  const cron = CronExpression.parse(spec.expression);
  return (afterMs) => cron.nextAfter(afterMs);
}

// After a run planned at `plannedMs` ends at `nowMs`: the next slot, coalescing overrun slots into one.
export function planAfterRun(spec: ScheduleSpec, plannedMs: number, nowMs: number): SlotPlan {
  if (spec.form === 'every') return planEveryAfterRun(plannedMs, nowMs, spec.periodMs);
  return planSlotsAfterRun(slotFunction(spec), plannedMs, nowMs);
}

// The generic (cron) form of `planEveryAfterRun`; counting stops at 100 000 missed slots.
export function planSlotsAfterRun(next: SlotFn, plannedMs: number, nowMs: number): SlotPlan {
  const first = next(plannedMs);
  if (first === null || first > nowMs) return { nextPlannedMs: first, missed: 0 };
  let missed = 0;
  for (let s: number | null = first; s !== null && s <= nowMs && missed < MAX_COUNTED; s = next(s)) missed++;
  return { nextPlannedMs: latestSlotAtOrBefore(next, plannedMs, nowMs), missed };
}

// The last slot in (floorMs, nowMs], found by widening a window back from now rather than walking from the floor.
function latestSlotAtOrBefore(next: SlotFn, floorMs: number, nowMs: number): number | null {
  for (let width = 1000; ; width *= 2) {
    const from = Math.max(floorMs, nowMs - width);
    let s = next(from);
    if (s !== null && s <= nowMs) {
      for (let n = next(s); n !== null && n <= nowMs; n = next(n)) s = n;
      return s;
    }
    if (from === floorMs) return null;
  }
}
