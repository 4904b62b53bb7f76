import { AppError, errorMessage } from '../../shared/app-error.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { backoffMs, type BackoffPolicy } from './backoff.js';

// OTP-style restart policy (design.md "Supervision"): exponential backoff with jitter, and an intensity limit.
export interface RestartPolicy extends BackoffPolicy {
  // More than maxRestarts restarts within withinMs → give up.
  maxRestarts: number;
  withinMs: number;
  // A child that lived this long resets the backoff to its initial value.
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialMs: 250,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
  maxRestarts: 5,
  withinMs: 60_000,
  stableAfterMs: 60_000,
};

// An idle child is pinged this often; one that does not answer within the timeout is hung and replaced.
export const LIVENESS_INTERVAL_MS = 30_000;
export const LIVENESS_TIMEOUT_MS = 10_000;
export const LIVENESS_FAILURE = 'liveness ping timed out';

// How to tell a live child from a hung one (`$/ping` for a plugin runner).
export interface Liveness<T> {
  // Resolves on the child's answer; the supervisor's own timer decides when it is too late.
  ping(child: T): Promise<unknown>;
  // A call is in flight: no ping is sent, and a ping outstanding when a call starts proves nothing.
  busy(child: T): boolean;
  // Ends a hung child at once (SIGKILL); its replacement is started like after a crash.
  kill(child: T): void;
}

// How to start, watch and stop one child (a PluginRunner for a trigger, already loaded).
export interface SupervisorOptions<T> {
  name: string;
  start(): Promise<T>;
  // Resolves when the child is gone, for whatever reason.
  exited(child: T): Promise<unknown>;
  stop(child: T): Promise<unknown>;
  // Why the child died, in words (recorded as the give-up reason).
  reason(child: T): string;
  onRestart?(info: { restart: number; delayMs: number; reason: string }): void;
  // Past the intensity limit: the trigger is disabled by the caller with this reason.
  onGiveUp(reason: string): void;
  policy?: Partial<RestartPolicy>;
  // Without it the child is only watched for exits.
  liveness?: Liveness<T>;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
}

// idle: never started; parked: stopped for want of work (park()), the next acquire() starts a child again.
export type SupervisorState = 'idle' | 'starting' | 'running' | 'backoff' | 'parked' | 'failed' | 'stopped';

// acquire() after the supervisor gave up or was stopped.
export class SupervisorUnavailableError extends AppError {
  constructor(name: string, state: SupervisorState, reason: string | null) {
    super('supervisor_unavailable', `plugin runner for '${name}' is ${state === 'failed' ? `disabled after repeated failures: ${reason}` : state}`, {
      status: 500,
      details: { state, reason },
    });
    this.name = 'SupervisorUnavailableError';
  }
}

// Keeps one child alive (one_for_one): restarts it when it dies, with backoff, and gives up past the intensity limit.
// Escalation stops here: the caller disables the trigger, the server goes on.
export class Supervisor<T> {
  private readonly policy: RestartPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private child: T | undefined;
  private childStartedMs = 0;
  private restarts: number[] = [];
  private consecutive = 0;
  private timer: NodeJS.Timeout | null = null;
  private livenessTimer: NodeJS.Timeout | null = null;
  private waiters: Array<{ resolve: (child: T) => void; reject: (err: Error) => void }> = [];
  private generation = 0;
  // The stop of a parked child, awaited before its replacement starts (and by stop()).
  private parking: Promise<unknown> = Promise.resolve();
  state: SupervisorState = 'idle';
  failureReason: string | null = null;

  constructor(private readonly options: SupervisorOptions<T>) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.policy };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  get current(): T | undefined {
    return this.state === 'running' ? this.child : undefined;
  }

  get restartCount(): number {
    return this.restarts.length;
  }

  // Starts the first child (a failed first start is retried like a crash).
  start(): Promise<T> {
    if (this.state === 'idle' || this.state === 'stopped') {
      this.state = 'starting';
      void this.launch();
    }
    return this.acquire();
  }

  // The live child, waiting through a start or a backoff (a parked supervisor starts one: on-demand start); rejects
  // once the supervisor gave up or stopped.
  acquire(): Promise<T> {
    if (this.state === 'running') return Promise.resolve(this.child!);
    if (this.state === 'parked') {
      this.state = 'starting';
      this.options.logger?.debug({ runner: this.options.name }, 'plugin runner starting on demand');
      const generation = this.generation;
      void this.parking.then(() => {
        if (generation === this.generation) void this.launch();
      });
    }
    if (this.state === 'failed' || this.state === 'stopped' || this.state === 'idle') {
      return Promise.reject(new SupervisorUnavailableError(this.options.name, this.state, this.failureReason));
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  // Replaces the child now without counting a failure (plugin file changed, settings updated).
  async replace(): Promise<T> {
    const old = this.child;
    this.generation++;
    this.child = undefined;
    this.clearTimer();
    this.state = 'starting';
    if (old !== undefined) await this.options.stop(old);
    await this.parking;
    void this.launch();
    return this.acquire();
  }

  // Stops the running child because it has nothing to do: a clean stop, not a failure (no restart counted, no
  // backoff); the next acquire() starts a new child. False (nothing done) unless a child is running.
  park(): boolean {
    if (this.state !== 'running' || this.child === undefined) return false;
    const old = this.child;
    this.generation++;
    this.clearTimer();
    this.child = undefined;
    this.state = 'parked';
    if (this.clock.nowMs() - this.childStartedMs >= this.policy.stableAfterMs) this.consecutive = 0;
    this.options.logger?.debug({ runner: this.options.name }, 'plugin runner stopped: idle');
    this.parking = this.options.stop(old).catch((err: unknown) =>
      this.options.logger?.warn({ runner: this.options.name, err: errorMessage(err) }, 'could not stop an idle plugin runner'),
    );
    return true;
  }

  async stop(): Promise<void> {
    this.generation++;
    this.clearTimer();
    const old = this.child;
    this.child = undefined;
    this.state = 'stopped';
    this.flushWaiters(new SupervisorUnavailableError(this.options.name, 'stopped', null));
    if (old !== undefined) await this.options.stop(old);
    await this.parking;
  }

  private async launch(): Promise<void> {
    const generation = this.generation;
    let child: T;
    try {
      child = await this.options.start();
    } catch (err) {
      if (generation !== this.generation) return;
      this.failed(`could not start: ${errorMessage(err)}`);
      return;
    }
    if (generation !== this.generation) {
      await this.options.stop(child);
      return;
    }
    this.child = child;
    this.childStartedMs = this.clock.nowMs();
    this.state = 'running';
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(child);
    this.schedulePing(child, generation);
    void this.options.exited(child).then(() => {
      if (generation !== this.generation || this.child !== child) return;
      this.child = undefined;
      this.failed(this.options.reason(child));
    });
  }

  private failed(reason: string): void {
    this.clearLiveness();
    const now = this.clock.nowMs();
    if (this.childStartedMs && now - this.childStartedMs >= this.policy.stableAfterMs) this.consecutive = 0;
    this.restarts = this.restarts.filter((t) => now - t < this.policy.withinMs);
    if (this.restarts.length >= this.policy.maxRestarts) {
      this.state = 'failed';
      this.failureReason = `${this.restarts.length + 1} failures within ${Math.round(this.policy.withinMs / 1000)} s; last: ${reason}`;
      this.options.logger?.error({ runner: this.options.name, reason: this.failureReason }, 'giving up on plugin runner');
      this.flushWaiters(new SupervisorUnavailableError(this.options.name, 'failed', this.failureReason));
      this.options.onGiveUp(this.failureReason);
      return;
    }
    this.restarts.push(now);
    this.consecutive++;
    const delayMs = this.backoffMs(this.consecutive);
    this.state = 'backoff';
    this.options.logger?.warn({ runner: this.options.name, reason, delayMs, restart: this.restarts.length }, 'plugin runner died; restarting');
    this.options.onRestart?.({ restart: this.restarts.length, delayMs, reason });
    const generation = this.generation;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (generation !== this.generation) return;
      this.state = 'starting';
      void this.launch();
    }, delayMs);
  }

  // 250 ms × 2^(n-1), capped at 30 s, ± jitter.
  backoffMs(n: number): number {
    return backoffMs(this.policy, n, this.random);
  }

  private clearTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.clearLiveness();
  }

  private clearLiveness(): void {
    if (this.livenessTimer) this.clock.clearTimeout(this.livenessTimer);
    this.livenessTimer = null;
  }

  private isCurrent(child: T, generation: number): boolean {
    return generation === this.generation && this.state === 'running' && this.child === child;
  }

  private schedulePing(child: T, generation: number): void {
    const liveness = this.options.liveness;
    if (!liveness) return;
    this.clearLiveness();
    this.livenessTimer = this.clock.setTimeout(() => {
      this.livenessTimer = null;
      if (!this.isCurrent(child, generation)) return;
      if (liveness.busy(child)) return this.schedulePing(child, generation);
      let answered = false;
      this.livenessTimer = this.clock.setTimeout(() => {
        this.livenessTimer = null;
        if (answered || !this.isCurrent(child, generation)) return;
        if (liveness.busy(child)) return this.schedulePing(child, generation);
        this.hung(child, liveness);
      }, LIVENESS_TIMEOUT_MS);
      unref(this.livenessTimer);
      liveness.ping(child).then(
        () => {
          answered = true;
          if (this.isCurrent(child, generation)) this.schedulePing(child, generation);
        },
        // A failed ping means the connection is gone: the exit handler restarts the child.
        () => undefined,
      );
    }, LIVENESS_INTERVAL_MS);
    unref(this.livenessTimer);
  }

  // A child that does not answer is treated like one that died: killed, and restarted with backoff (counted).
  private hung(child: T, liveness: Liveness<T>): void {
    this.child = undefined;
    this.options.logger?.warn({ runner: this.options.name, timeoutMs: LIVENESS_TIMEOUT_MS }, 'plugin runner did not answer a liveness ping');
    liveness.kill(child);
    this.failed(LIVENESS_FAILURE);
  }

  private flushWaiters(err: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }
}

// Liveness timers never keep the process alive on their own.
function unref(timer: NodeJS.Timeout | null): void {
  (timer as { unref?: () => unknown } | null)?.unref?.();
}
