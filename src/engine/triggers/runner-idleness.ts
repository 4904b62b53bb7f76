import type { Clock } from '../../shared/clock.js';

// A runner is started this long before a known next event, at least (warm-up lead, see RunnerIdleness.leadMs).
export const MIN_WARM_UP_LEAD_MS = 2_000;
// ... and at most, however slow its starts were.
export const MAX_WARM_UP_LEAD_MS = 5 * 60_000;
// The lead is this many times the (recent, slowest) start time: starts queue behind each other when many triggers
// fire together, and a slow machine is slower still at those moments.
const LEAD_PER_START = 3;
// The estimate before any start was measured.
const INITIAL_START_ESTIMATE_MS = 1_000;
// Each new start moves the estimate to itself, or lets an earlier slower one fade by this factor.
const START_ESTIMATE_DECAY = 0.75;
// Node timers hold at most 2^31-1 ms; longer waits are taken in steps.
const MAX_TIMER_MS = 2_147_483_647;

// What the idle logic decided for an idle, running runner: stop it at stopAtMs (null: stay warm), start it again at
// wakeAtMs (null: on the next event).
export interface IdlePlan {
  stopAtMs: number | null;
  wakeAtMs: number | null;
}

// The rule, as a pure function: a runner idle since `nowMs` stops after `idleTimeoutMs` (null: never), unless the next
// known event (a schedule's next fire) is due before it would have been started again anyway (`leadMs` ahead of it):
// a trigger that fires more often than the idle timeout keeps its runner.
export function planIdle(nowMs: number, idleTimeoutMs: number | null, nextEventMs: number | null, leadMs: number): IdlePlan {
  if (idleTimeoutMs === null) return { stopAtMs: null, wakeAtMs: null };
  const wakeAtMs = nextEventMs === null ? null : nextEventMs - leadMs;
  if (wakeAtMs !== null && wakeAtMs <= nowMs + idleTimeoutMs) return { stopAtMs: null, wakeAtMs: null };
  return { stopAtMs: nowMs + idleTimeoutMs, wakeAtMs };
}

// How one worker's runner is seen and driven (the trigger runtime's Worker and Supervisor behind it).
export interface IdleRunnerControl {
  // Events sent to this runner and not finished.
  busy(): boolean;
  // 'running', 'parked', or anything else (starting, backoff, failed, stopped: nothing to do now).
  state(): string;
  // Stops the running runner for idleness (not a failure).
  park(): void;
  // Starts the parked runner ahead of the next event; `ready` runs once it is up.
  wake(ready: () => void): void;
}

// Demand-driven runner lifetime for one worker: stops its runner after `idleTimeoutMs` without work, and starts it
// again on the next event (the runtime's acquire) or, for schedules, `leadMs` before the next known fire so that the
// run finds it warm. The lead follows the measured start times of this worker's runners.
export class RunnerIdleness {
  private stopTimer: NodeJS.Timeout | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private nextEventMs: number | null = null;
  private startEstimateMs = INITIAL_START_ESTIMATE_MS;
  private closed = false;

  constructor(
    readonly idleTimeoutMs: number | null,
    private readonly clock: Clock,
    private readonly control: IdleRunnerControl,
  ) {}

  get enabled(): boolean {
    return this.idleTimeoutMs !== null;
  }

  // How far ahead of a known event a parked runner is started.
  get leadMs(): number {
    return Math.min(MAX_WARM_UP_LEAD_MS, Math.max(MIN_WARM_UP_LEAD_MS, LEAD_PER_START * this.startEstimateMs));
  }

  // A runner of this worker took `ms` from asking for it to ready (queueing for a start slot included).
  noteStart(ms: number): void {
    this.startEstimateMs = Math.max(ms, this.startEstimateMs * START_ESTIMATE_DECAY);
  }

  // The next event known in advance (a schedule's next planned fire), or null when none is.
  expect(nextEventMs: number | null): void {
    this.nextEventMs = nextEventMs;
    this.settle();
  }

  // Work was sent to the runner: nothing to plan while it runs.
  busy(): void {
    this.clear();
  }

  // Re-plans from now: called when the runner became ready, when its last event finished, and when the next event
  // changed.
  settle(): void {
    this.clear();
    if (this.closed || !this.enabled || this.control.busy()) return;
    const state = this.control.state();
    const now = this.clock.nowMs();
    if (state === 'parked') {
      if (this.nextEventMs !== null) this.armWake(this.nextEventMs - this.leadMs);
      return;
    }
    const plan = planIdle(now, this.idleTimeoutMs, this.nextEventMs, this.leadMs);
    if (plan.stopAtMs !== null) this.armStop(plan.stopAtMs);
  }

  close(): void {
    this.closed = true;
    this.clear();
  }

  private armStop(atMs: number): void {
    this.stopTimer = this.at(atMs, () => {
      this.stopTimer = null;
      if (this.closed || this.control.busy()) return;
      // Starting or restarting after a crash: look again once it has had the idle timeout to settle.
      if (this.control.state() !== 'running') return this.settle();
      this.control.park();
      this.settle();
    });
  }

  private armWake(atMs: number): void {
    this.wakeTimer = this.at(atMs, () => {
      this.wakeTimer = null;
      if (this.closed || this.control.state() !== 'parked') return;
      this.control.wake(() => this.settle());
    });
  }

  // A timer for an absolute time; long waits are cut in steps (the step re-plans).
  // Never keeps the process alive on its own.
  private at(atMs: number, fn: () => void): NodeJS.Timeout {
    const wait = atMs - this.clock.nowMs();
    const timer = wait <= MAX_TIMER_MS ? this.clock.setTimeout(fn, Math.max(0, wait)) : this.clock.setTimeout(() => this.settle(), MAX_TIMER_MS);
    (timer as { unref?: () => unknown }).unref?.();
    return timer;
  }

  private clear(): void {
    if (this.stopTimer) this.clock.clearTimeout(this.stopTimer);
    if (this.wakeTimer) this.clock.clearTimeout(this.wakeTimer);
    this.stopTimer = null;
    this.wakeTimer = null;
  }
}
