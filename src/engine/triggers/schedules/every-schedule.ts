// `every:D` schedules are aligned to the Unix epoch, as upstream does.

// Result of looking at the clock after a run: where the schedule goes next and how many slots the run overran.
export interface SlotPlan {
  // The next planned time; when `missed > 0` it is the latest slot already due, to run at once as one coalesced run.
  nextPlannedMs: number | null;
  // Slots strictly after the finished run's planned time that were already due (<= now) when it finished.
  missed: number;
}

// Upstream's first fire: the next multiple of D strictly after now.
export function firstEveryFireMs(nowMs: number, periodMs: number): number {
  assertPeriod(periodMs);
  return (Math.floor(nowMs / periodMs) + 1) * periodMs;
}

// Upstream's cadence once running: each fire is the previous planned time plus D (not the wake time plus D).
export function nextEveryFireMs(previousPlannedMs: number, periodMs: number): number {
  assertPeriod(periodMs);
  return previousPlannedMs + periodMs;
}

// Counts the slots a run planned at `plannedMs` overran by finishing at `nowMs` (0 when it finished in time).
export function missedSlots(plannedMs: number, nowMs: number, periodMs: number): number {
  assertPeriod(periodMs);
  if (nowMs < plannedMs + periodMs) return 0;
  return Math.floor((nowMs - plannedMs) / periodMs);
}

// Our policy instead of upstream's burst of catch-up runs (docs/processing-engine.md): the missed slots fold into one run at the latest.
export function planEveryAfterRun(plannedMs: number, nowMs: number, periodMs: number): SlotPlan {
  const missed = missedSlots(plannedMs, nowMs, periodMs);
  return { nextPlannedMs: plannedMs + Math.max(1, missed) * periodMs, missed };
}

// The WARN line the scheduler writes when it coalesces (system table and server log).
export function overrunWarning(missed: number, coalescedCallMs: number): string {
  const slots = missed === 1 ? '1 scheduled run' : `${missed} scheduled runs`;
  return `previous run overran: ${slots} missed, coalesced into one run for ${new Date(coalescedCallMs).toISOString()}`;
}

function assertPeriod(periodMs: number): void {
  if (!Number.isFinite(periodMs) || periodMs < 1) throw new RangeError(`every period must be at least 1 ms, got ${periodMs}`);
}
