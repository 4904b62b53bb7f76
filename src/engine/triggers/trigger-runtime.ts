import { existsSync } from 'node:fs';
import { CallPhase, type PluginCall } from '../../ipc/index.js';
import { errorMessage } from '../../shared/app-error.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { StorageEngine } from '../../storage/storage-engine.js';
import type { CacheChanges } from '../plugin-cache/cache-snapshot.js';
import type { TriggerCacheStore } from '../plugin-cache/trigger-cache-store.js';
import { PythonUnavailableError } from '../environment/errors.js';
import type { PluginLogLevel, PluginLogStore } from '../plugin-logs/plugin-log-store.js';
import type { CallHost } from '../runners/call-tracker.js';
import type { PluginRunner } from '../runners/plugin-runner.js';
import { PluginCallError } from '../runners/runner-errors.js';
import type { PluginQuerySource } from '../runners/query-cursor.js';
import type { RunnerFactory } from '../runners/runner-factory.js';
import type { RunnerMetrics } from '../runners/runner-metrics.js';
import { pluginLog, storageCallHost, writeBackQueued, type PluginLogTarget, type PluginRunKind } from '../runners/storage-call-host.js';
import { LIVENESS_TIMEOUT_MS, Supervisor, type RestartPolicy } from '../supervisor/supervisor.js';
import type { Trigger } from '../../storage/catalog/catalog-resources.js';
import type { TriggerSpec } from './trigger-spec.js';
import { decideOnError, DEFAULT_RETRY_POLICY, type RetryPolicy } from './error-behavior.js';
import { EventQueue, type PushOutcome } from './event-queue.js';
import { requestErrorText, requestOutput } from './request-response.js';
import { requestTriggerFailed, requestTriggerNotRunning } from './errors.js';
import { RunnerIdleness } from './runner-idleness.js';
import type { TriggerEvent } from './trigger-event.js';
import type { WalCursor } from './wal/wal-cursor.js';

// A WAL batch event (replay sources yield these).
export type WalEvent = Extract<TriggerEvent, { kind: 'wal' }>;

// Everything a running trigger needs from the engine.
export interface TriggerRuntimeDeps {
  runners: RunnerFactory;
  storage: StorageEngine;
  // Where the plugin's queries go (default: storage).
  queries?: PluginQuerySource;
  logs: PluginLogStore;
  logger: Logger;
  metrics: RunnerMetrics;
  cacheStore: TriggerCacheStore;
  // The plugin as resolved at start: absolute path, and the fetched text for gh: plugins.
  plugin: { path: string; source?: string };
  cacheKey: string;
  // The trigger must stop for good (error_behavior=disable, or the runner restart limit was passed).
  onDisable(reason: string): void;
  // The plugin loaded (null) or failed to compile/import (the error), for system.plugins.
  onLoadResult?(error: string | null): void;
  clock?: Clock;
  restartPolicy?: Partial<RestartPolicy>;
  retry?: Partial<RetryPolicy>;
  asyncPoolSize?: number;
  // WAL triggers: where the trigger is in the WAL (advanced as batches complete, persisted by the manager).
  walCursor?: WalCursor;
  // A runner without work this long is stopped (not a failure) and started again on demand; null/absent: never.
  idleTimeoutMs?: number | null;
}

export const DEFAULT_ASYNC_POOL_SIZE = 4;
const REQUEST_PIPELINE_DEPTH = 4;
// How often one event is sent when the child never started it (see attempt()).
const MAX_SENDS = 3;
const DROP_WARNING_INTERVAL_MS = 10_000;
// Replayed WAL batches read ahead of the one running (bounded memory during a replay).
const REPLAY_AHEAD = 2;

const RUN_KIND: Record<TriggerEvent['kind'], PluginRunKind> = { wal: 'wal plugin', schedule: 'schedule plugin', request: 'request plugin' };

// The name a trigger's runners, logs and metrics go by.
export function runnerNameOf(record: Pick<Trigger, 'databaseName' | 'name'>): string {
  return `${record.databaseName}/${record.name}`;
}

// One runner (one CPython child) kept alive by its supervisor, and the events it is running.
interface Worker {
  supervisor: Supervisor<PluginRunner>;
  // Events sent to the runner and not finished yet (up to `depth`).
  inFlight: number;
  // The runner of the latest call (stop() cancels its running call).
  runner: PluginRunner | null;
  // Stops the runner when it has nothing to do and starts it ahead of known work.
  idle: RunnerIdleness;
}

// A started trigger: its runners (one, or a small pool for run_async), its bounded event queue, and the rules that
// apply when a call fails. WAL, schedule and request dispatchers only push events; this runs them.
export class TriggerRuntime {
  readonly name: string;
  private readonly queue = new EventQueue();
  private readonly workers: Worker[] = [];
  private readonly host: CallHost;
  private readonly logTarget: PluginLogTarget;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly active = new Set<Promise<void>>();
  private stopped = false;
  private retryTimer: { cancel(): void } | null = null;
  dropped = 0;
  private droppedRows = 0;
  private lastDropWarningMs = 0;
  private startFailure: string | null = null;
  // Why the plugin environment is unusable while the trigger waits for it (not a plugin failure), else null.
  private environmentProblem: string | null = null;
  private readonly stopSignal: { promise: Promise<void>; resolve: () => void } = signal();
  // Resolved while the environment is unusable (requests waiting for a runner give up on it).
  private environmentDown = signal();
  // WAL replay after a restart: its batches run before any queued live batch.
  private readonly replayQueue: WalEvent[] = [];
  private replaying = false;
  private replayRoom: (() => void) | null = null;
  // Calls sent to one runner at a time. 4 for a sequential request trigger: the next requests are already in the
  // child's queue when the current one answers (the child still runs them one at a time, in order), which saves a
  // host round trip per request. 1 otherwise: a WAL or schedule event that fails is retried, or disables the trigger,
  // before the next one is sent; and a run_async pool hands each request to an idle runner instead of queueing it
  // behind a slow one.
  private readonly depth: number;

  constructor(
    readonly record: Trigger,
    readonly spec: TriggerSpec,
    private readonly deps: TriggerRuntimeDeps,
  ) {
    this.name = runnerNameOf(record);
    this.clock = deps.clock ?? systemClock;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...deps.retry };
    this.logTarget = { logs: deps.logs, logger: deps.logger, trigger: record.name, database: record.databaseName };
    this.host = storageCallHost({ ...this.logTarget, storage: deps.storage, queries: deps.queries });
    const size = record.settings.runAsync ? (deps.asyncPoolSize ?? DEFAULT_ASYNC_POOL_SIZE) : 1;
    this.depth = spec.kind === 'request' && size === 1 ? REQUEST_PIPELINE_DEPTH : 1;
    for (let i = 0; i < size; i++) this.workers.push(this.worker(size > 1 ? `${this.name}#${i}` : this.name));
  }

  get queued(): number {
    return this.queue.length;
  }

  // 'running' once a runner is up, 'failed' after the supervisor gave up, 'waiting-for-environment' while the
  // plugin Python is unusable, 'idle' while every runner is stopped for want of work (the next event starts one),
  // else 'starting'.
  get state(): 'running' | 'starting' | 'idle' | 'failed' | 'waiting-for-environment' {
    if (this.workers.some((w) => w.supervisor.state === 'running')) return 'running';
    if (this.workers.every((w) => w.supervisor.state === 'failed')) return 'failed';
    if (this.environmentProblem !== null) return 'waiting-for-environment';
    if (this.workers.every((w) => w.supervisor.state === 'parked')) return 'idle';
    return 'starting';
  }

  get failureReason(): string | null {
    return this.workers.find((w) => w.supervisor.failureReason)?.supervisor.failureReason ?? this.environmentProblem ?? this.startFailure;
  }

  // Starts the runners in the background: events queue up meanwhile, and a start failure is retried with backoff.
  start(): void {
    for (const w of this.workers) {
      w.supervisor.start().then(
        () => w.idle.settle(),
        (err: unknown) => {
          this.startFailure = errorMessage(err);
        },
      );
    }
  }

  // The next event known in advance (a schedule's next planned fire; null: none): a runner stopped for idleness is
  // started ahead of it, and one that would be needed again soon is kept.
  expectEventAt(plannedMs: number | null): void {
    this.workers[0]!.idle.expect(plannedMs);
  }

  // Queues an event; a full queue applies EventQueue's policy (and a request gets a 503 answer).
  push(event: TriggerEvent): void {
    if (this.stopped) {
      this.abandon(event, 'the trigger is stopping');
      return;
    }
    if (event.kind === 'request' && this.state === 'waiting-for-environment') {
      this.abandon(event, `waiting for the plugin environment: ${this.environmentProblem}`);
      return;
    }
    const outcome = this.queue.push(event);
    this.trackWal(event, outcome);
    this.noteOverflow(event, outcome);
    this.pump();
  }

  // Stops for good: queued events are dropped, a running call is cancelled (its next API call raises
  // KeyboardInterrupt), then each runner gets $/shutdown and is killed if it does not leave within 5 s.
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopSignal.resolve();
    this.retryTimer?.cancel();
    for (const w of this.workers) w.idle.close();
    this.replayQueue.length = 0;
    this.replayRoom?.();
    for (const event of this.queue.drain()) this.abandon(event, 'the trigger was stopped');
    await Promise.all(this.workers.map((w) => w.runner?.cancel()));
    await Promise.all(this.workers.map((w) => w.supervisor.stop()));
    await Promise.allSettled([...this.active]);
  }

  private worker(label: string): Worker {
    const worker = { inFlight: 0, runner: null } as Worker;
    worker.supervisor = new Supervisor<PluginRunner>({
      name: label,
      start: () => this.startTimed(worker),
      exited: (runner) => runner.exited,
      stop: (runner) => runner.stop(),
      reason: (runner) => runner.lossReason(),
      onRestart: ({ reason }) => {
        this.deps.metrics.restart(this.name);
        this.log('WARN', `plugin runner restarted: ${reason}`);
      },
      onGiveUp: (reason) => this.deps.onDisable(`plugin runner failed repeatedly: ${reason}`),
      policy: this.deps.restartPolicy,
      liveness: { ping: (runner) => runner.ping(LIVENESS_TIMEOUT_MS), busy: (runner) => runner.inFlight > 0, kill: (runner) => runner.kill() },
      clock: this.clock,
      logger: this.deps.logger,
    });
    worker.idle = new RunnerIdleness(this.deps.idleTimeoutMs ?? null, this.clock, {
      busy: () => worker.inFlight > 0,
      state: () => worker.supervisor.state,
      park: () => {
        if (!worker.supervisor.park()) return;
        worker.runner = null;
        this.deps.metrics.idleStop(this.name);
      },
      wake: (ready) => {
        this.deps.logger.debug({ trigger: label }, 'starting plugin runner ahead of the next scheduled run');
        worker.supervisor.acquire().then(ready, () => undefined);
      },
    });
    return worker;
  }

  // A runner start, timed for the warm-up lead (queueing for a start slot included).
  private async startTimed(worker: Worker): Promise<PluginRunner> {
    const started = this.clock.nowMs();
    const runner = await this.startRunner();
    worker.idle.noteStart(this.clock.nowMs() - started);
    return runner;
  }

  private async startRunner(): Promise<PluginRunner> {
    const timeoutMs = this.record.timeoutMs ?? undefined;
    const runner = await this.startWhenEnvironmentReady(() => this.deps.runners.start(this.name, {
        timeoutMs,
        lateHost: this.host,
        // The trigger's own limits (trigger_settings.memory_limit / cpu_limit / max_processes), else the server's.
        memoryLimitBytes: this.record.memoryLimitBytes ?? undefined,
        cpuCores: this.record.cpuLimit ?? undefined,
        maxProcesses: this.record.maxProcesses ?? undefined,
      }));
    try {
      const cacheSnapshot = await this.deps.cacheStore.snapshot(this.deps.cacheKey);
      await runner.load({ pluginPath: this.deps.plugin.path, source: this.deps.plugin.source, database: this.record.databaseName, cacheSnapshot });
    } catch (err) {
      await runner.stop().catch(() => undefined);
      throw err;
    }
    return runner;
  }

  // Environment failures (no usable Python, a broken venv) are not plugin failures: the trigger waits, visibly, until
  // the environment is usable again (re-probed on a timer and after `install package`), and the supervisor never sees
  // them, so they burn no restart budget and never disable the trigger.
  private async startWhenEnvironmentReady(start: () => Promise<PluginRunner>): Promise<PluginRunner> {
    for (;;) {
      try {
        const runner = await start();
        if (this.environmentProblem !== null) {
          this.log('INFO', 'plugin environment usable again; trigger started');
          this.environmentDown = signal();
        }
        this.environmentProblem = null;
        return runner;
      } catch (err) {
        if (!(err instanceof PythonUnavailableError)) throw err;
        if (this.environmentProblem === null) this.log('WARN', `waiting for the plugin environment: ${err.message}`);
        this.environmentProblem = err.message;
        this.environmentDown.resolve();
        this.answerQueuedRequests(`waiting for the plugin environment: ${err.message}`);
        await Promise.race([this.deps.runners.environmentReady(), this.stopSignal.promise]);
        // Stopped: never settle (the supervisor was stopped too and ignores this start).
        if (this.stopped) return new Promise<PluginRunner>(() => undefined);
      }
    }
  }

  // Requests that queued before the environment was found unusable are answered now (503), not held until it is
  // fixed; queued WAL and schedule events stay, in order.
  private answerQueuedRequests(why: string): void {
    const queued = this.queue.drain();
    for (const event of queued) {
      if (event.kind === 'request') this.abandon(event, why);
      else this.queue.push(event);
    }
  }

  // Delivers WAL batches re-read from the WAL after a restart (in order, before any live batch: those wait in the
  // queue meanwhile). The cursor stays at what the replay handed over until it ends; if reading the WAL fails, it
  // stays there for this run (the next start replays from it again).
  async replay(source: AsyncIterable<WalEvent>, throughSeq: bigint): Promise<void> {
    const cursor = this.deps.walCursor;
    this.replaying = true;
    try {
      for await (const event of source) {
        while (this.replayQueue.length >= REPLAY_AHEAD && !this.stopped) await new Promise<void>((resolve) => (this.replayRoom = resolve));
        if (this.stopped) return;
        this.replayQueue.push(event);
        if (event.firstSeq !== undefined) cursor?.begin(event, event.firstSeq, event.throughSeq ?? event.firstSeq);
        if (event.throughSeq !== undefined) cursor?.holdUntil(event.throughSeq);
        this.pump();
      }
      if (!this.stopped) cursor?.release(throughSeq);
    } catch (err) {
      this.log('ERROR', `could not re-read the WAL for writes this trigger had not seen: ${errorMessage(err)}; they are delivered again at the next start`);
    } finally {
      this.replaying = false;
      this.pump();
    }
  }

  // Sends queued events to the workers with room (see `depth`); a pool fills its live runners before it starts one
  // stopped for idleness.
  private pump(): void {
    const workers = this.workers.length === 1 ? this.workers : [...this.workers].sort((a, b) => rank(a) - rank(b));
    for (const worker of workers) {
      while (!this.stopped && worker.inFlight < this.depth) {
        const event = this.nextEvent();
        if (!event) break;
        this.dispatchTo(worker, event);
      }
    }
  }

  // Replayed WAL batches first; live events wait while a replay runs.
  private nextEvent(): TriggerEvent | undefined {
    const replayed = this.replayQueue.shift();
    if (replayed) {
      const room = this.replayRoom;
      this.replayRoom = null;
      room?.();
      return replayed;
    }
    return this.replaying ? undefined : this.queue.shift();
  }

  private dispatchTo(worker: Worker, event: TriggerEvent): void {
    worker.inFlight++;
    worker.idle.busy();
    const run = this.run(worker, event)
      .catch((err: unknown) => this.deps.logger.error({ trigger: this.name, err: errorMessage(err) }, 'trigger event failed unexpectedly'))
      .finally(() => {
        worker.inFlight--;
        this.active.delete(run);
        if (event.kind === 'schedule') event.done?.();
        this.pump();
        if (worker.inFlight === 0) worker.idle.settle();
      });
    this.active.add(run);
  }

  // Runs one event to its end: success, or failure handled by error_behavior (request triggers always answer 500).
  private async run(worker: Worker, event: TriggerEvent): Promise<void> {
    if (event.kind === 'schedule' && event.missed > 0) {
      this.log('WARN', `previous run overran: ${event.missed} scheduled run${event.missed === 1 ? '' : 's'} missed, coalesced into one run for ${new Date(event.plannedMs).toISOString()}`);
    }
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return this.abandon(event, 'the trigger was stopped');
      const failure = await this.attempt(worker, event);
      if (!failure) return this.walDone(event);
      // A call cut off by the trigger stopping (its runner cancelled or already stopped) is no plugin error: a WAL
      // batch is replayed on the next start.
      if (this.stopped && (failure.kind === 'cancelled' || failure.kind === 'unavailable')) return this.abandon(event, 'the trigger was stopped');
      const text = event.kind === 'request' ? requestErrorText(failure) : failure.message;
      this.log('ERROR', `error ${event.kind === 'request' ? 'running' : 'executing'} ${RUN_KIND[event.kind]}: ${text}`, failure.traceback);
      if (event.kind === 'request') return event.fail(requestTriggerFailed(text, failure));
      const decision = decideOnError(this.record.settings.errorBehavior, failure, attempt, this.retry);
      if (decision.action === 'disable') return this.deps.onDisable(decision.reason);
      if (decision.action === 'log') return this.walDone(event);
      if (decision.action === 'give-up') {
        this.log('ERROR', `giving up on this ${event.kind === 'wal' ? 'WAL batch' : 'scheduled run'} after ${decision.retries} retries`);
        return this.walDone(event);
      }
      this.log('WARN', `retrying in ${decision.delayMs} ms (retry ${decision.retry} of ${decision.maxRetries})`);
      await this.sleep(decision.delayMs);
    }
  }

  // One call on the worker's runner; resolves to the failure, or null on success. A call the child never started
  // (pipelined behind one that took the runner down) is sent again to the new runner: its plugin code never ran.
  private async attempt(worker: Worker, event: TriggerEvent): Promise<PluginCallError | null> {
    for (let sends = 1; ; sends++) {
      const failure = await this.attemptOnce(worker, event);
      if (!failure?.neverStarted || this.stopped || sends >= MAX_SENDS) return failure;
    }
  }

  private async attemptOnce(worker: Worker, event: TriggerEvent): Promise<PluginCallError | null> {
    if (!this.deps.plugin.source && !existsSync(this.deps.plugin.path)) {
      return new PluginCallError('plugin', `Plugin not found: ${this.deps.plugin.path} (the plugin was deleted; restore it to resume)`);
    }
    let runner: PluginRunner;
    try {
      const acquired = worker.supervisor.acquire();
      // A request does not wait for a broken environment to be fixed: it is answered 503 as soon as that is known.
      const found = event.kind === 'request' ? await Promise.race([acquired, this.environmentDown.promise]) : await acquired;
      if (found === undefined) {
        acquired.catch(() => undefined);
        this.abandon(event, `waiting for the plugin environment: ${this.environmentProblem}`);
        return null;
      }
      runner = found;
    } catch (err) {
      return new PluginCallError('unavailable', errorMessage(err), { cause: err });
    }
    worker.runner = runner;
    try {
      const result = await runner.call(this.pluginCall(event), { host: this.host });
      await this.keepCache(result.cacheChanges);
      await writeBackQueued(
        { ...this.logTarget, storage: this.deps.storage, kind: RUN_KIND[event.kind] },
        result.writes,
      );
      if (event.kind === 'request') event.settle(requestOutput(result.response));
      this.deps.onLoadResult?.(null);
      return null;
    } catch (err) {
      if (!(err instanceof PluginCallError)) return new PluginCallError('crashed', errorMessage(err), { cause: err });
      await this.keepCache(err.cacheChanges);
      if (err.phase === CallPhase.load) this.deps.onLoadResult?.(err.message);
      else if (err.phase === CallPhase.call) this.deps.onLoadResult?.(null);
      return err;
    }
  }

  private pluginCall(event: TriggerEvent): PluginCall {
    const args = this.record.arguments;
    if (event.kind === 'wal') return { method: 'processWrites', tableBatches: event.batch.payload, args };
    if (event.kind === 'schedule') {
      return { method: 'processScheduledCall', callTimeSeconds: Math.floor(event.plannedMs / 1000), startAtNs: BigInt(event.plannedMs) * 1_000_000n, args };
    }
    const { queryParameters, headers, body } = event.input;
    return { method: 'processRequest', queryParameters, requestHeaders: headers, requestBody: body, args };
  }

  private async keepCache(changes: CacheChanges | null): Promise<void> {
    if (!changes) return;
    await this.deps.cacheStore.apply(this.deps.cacheKey, changes).catch((err: unknown) => {
      this.deps.logger.warn({ trigger: this.name, err: errorMessage(err) }, 'could not keep the plugin cache');
    });
  }

  // A WAL batch completed (success, error under `log`, retries given up): the cursor may pass it. A batch abandoned
  // by a stop or left behind by `disable` holds the cursor, so the next start delivers it again.
  private walDone(event: TriggerEvent): void {
    if (event.kind === 'wal') this.deps.walCursor?.finish(event);
  }

  // Opens a cursor entry for a live WAL batch; rows coalesced into a queued batch ride on its entry, a batch the
  // overflow policy dropped closes its entry (documented: dropped batches are not delivered again).
  private trackWal(event: TriggerEvent, outcome: PushOutcome): void {
    const cursor = this.deps.walCursor;
    if (!cursor || event.kind !== 'wal' || event.firstSeq === undefined || !outcome.accepted) return;
    const through = event.throughSeq ?? event.firstSeq;
    if (outcome.coalesced) cursor.seen(through);
    else cursor.begin(event, event.firstSeq, through);
    if (outcome.droppedEvent) cursor.finish(outcome.droppedEvent);
  }

  private abandon(event: TriggerEvent, why: string): void {
    if (event.kind === 'request') event.fail(requestTriggerNotRunning(this.record.name, why));
  }

  private noteOverflow(event: TriggerEvent, outcome: PushOutcome): void {
    if (!outcome.accepted) {
      this.abandon(event, `${this.queue.length} requests are already queued`);
      return;
    }
    if (outcome.droppedEvents === 0) return;
    this.dropped += outcome.droppedEvents;
    this.droppedRows += outcome.droppedRows;
    const now = this.clock.nowMs();
    if (now - this.lastDropWarningMs < DROP_WARNING_INTERVAL_MS) return;
    this.lastDropWarningMs = now;
    this.log('WARN', `trigger queue full (${this.queue.capacity} batches): dropped ${this.dropped} WAL batches (${this.droppedRows} rows) so far; the plugin is slower than the writes`);
  }

  private log(level: PluginLogLevel, text: string, traceback?: string | null): void {
    pluginLog(this.logTarget, level, text, { trigger: this.name, ...(traceback ? { traceback } : {}) });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.retryTimer = null;
        resolve();
      }, ms);
      this.retryTimer = {
        cancel: () => {
          this.clock.clearTimeout(timer);
          resolve();
        },
      };
    });
  }
}

// Live runners first.
function rank(worker: Worker): number {
  return worker.supervisor.state === 'running' ? 0 : 1;
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
