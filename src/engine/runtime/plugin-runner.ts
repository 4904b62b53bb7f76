import { delimiter } from 'node:path';
import {
  ChoreMethod,
  ConnectionClosedError,
  HandlerError,
  RemoteError,
  describeExit,
  parsePingResult,
  spawnRunner,
  type ExitInfo,
  type PingResult,
  type RunnerProcess,
} from '../../ipc/index.js';
import { errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import { parseCacheChanges, snapshotToWire, type CacheChanges, type CacheSnapshot } from '../cache/cache-snapshot.js';
import type { GlobalCache } from '../cache/global-cache.js';
import { CallTracker, type CallHost, type CallSlot } from './call-tracker.js';
import { pythonRunnerDir } from './python-runner-dir.js';
import { PluginCallError, crashedError, memoryLimitError, notSentError, timeoutError } from './runner-errors.js';
import type { RunnerMetrics } from './runner-metrics.js';
import { serveChildRequests } from './serve-child-requests.js';

// Everything one runner needs; `name` (the trigger, or a dry-run label) tags its logs, metrics and errors.
export interface PluginRunnerOptions {
  name: string;
  python: string;
  pluginDir: string;
  logger: Logger;
  globalCache: GlobalCache;
  metrics?: RunnerMetrics;
  // Default per-call limit (--plugin-timeout); 0 disables it. A call may override it.
  timeoutMs: number;
  // --plugin-memory-limit: RSS sampled during calls, plus a generous RLIMIT_AS in the child. null = no limit.
  memoryLimitBytes: number | null;
  rssSampleIntervalMs?: number;
  helloTimeoutMs?: number;
  maxFrameBytes?: number;
  env?: NodeJS.ProcessEnv;
  // Serves requests and logs from a finished call's threads; without it they are refused / only logged.
  lateHost?: CallHost;
}

// What `load` is told: the plugin (file or package directory) and the call defaults.
export interface LoadRequest {
  pluginPath: string;
  database: string;
  // Run this text as a single-file plugin instead of reading pluginPath (gh: plugins).
  source?: string;
  // The trigger's persisted local cache, restored into the child.
  cacheSnapshot?: CacheSnapshot;
  persistCache?: boolean;
}

export interface LoadResult {
  kind: string;
  cacheRestored: number;
  cacheRestoreFailed: string[];
  memoryLimitApplied: boolean | null;
}

// Per call: who answers the plugin's requests, and an optional timeout override.
export interface CallOptions {
  host: CallHost;
  timeoutMs?: number;
}

// A successful `process_*` reply (PROTOCOL.md §5, common result).
export interface CallResult {
  writes: Record<string, string[]>;
  cacheChanges: CacheChanges | null;
  // The whole result map (request triggers read status/headers/body from it).
  raw: Record<string, unknown>;
  durationMs: number;
}

const DEFAULT_RSS_SAMPLE_MS = 250;
const SHUTDOWN_GRACE_MS = 5_000;
const NO_HOST: CallHost = {
  query: () => Promise.reject(new HandlerError('QueryError', 'no query is possible while loading')),
  writeSync: () => Promise.reject(new Error('no write is possible while loading')),
  log: () => undefined,
};

// The child's address-space cap: RLIMIT_AS counts mapped libraries and thread stacks too, so it is set well above the
// RSS limit (which the host enforces by sampling); it stops a runaway allocation the sampler would catch too late.
export function addressSpaceLimit(memoryLimitBytes: number): number {
  return Math.max(memoryLimitBytes * 2, memoryLimitBytes + 512 * 1024 * 1024);
}

// One long-lived CPython child running one plugin, with per-call timeout, memory limit and crash reporting. Issue 5
// creates one per trigger and reuses it across calls (calls may be pipelined: the child runs them in order);
// dry runs start one per request. A runner is one process lifetime: the supervisor starts a new one when it dies.
export class PluginRunner {
  private readonly tracker: CallTracker;
  private sampler: NodeJS.Timeout | null = null;
  private stopping = false;
  private lost: PluginCallError | null = null;

  private constructor(
    private readonly child: RunnerProcess,
    private readonly options: PluginRunnerOptions,
  ) {
    this.tracker = new CallTracker((slot) => this.onCallStart(slot));
    serveChildRequests(child.connection, {
      hostFor: (callId) => this.tracker.forCallId(callId)?.host ?? options.lateHost,
      globalCache: options.globalCache,
      logger: options.logger.child({ trigger: options.name }),
    });
    void child.exited.then(() => {
      this.stopSampler();
      this.tracker.clearTimers();
    });
  }

  // Spawns `<python> -m plugin_runner` and resolves once it said hello.
  static async start(options: PluginRunnerOptions): Promise<PluginRunner> {
    const env = options.env ?? process.env;
    const runnerDir = pythonRunnerDir();
    const child = await spawnRunner({
      python: options.python,
      args: ['-m', 'plugin_runner', ...(options.maxFrameBytes ? ['--max-frame-bytes', String(options.maxFrameBytes)] : [])],
      env,
      extraEnv: {
        PYTHONPATH: env.PYTHONPATH ? `${runnerDir}${delimiter}${env.PYTHONPATH}` : runnerDir,
        PLUGIN_DIR: options.pluginDir,
      },
      logger: options.logger,
      name: options.name,
      helloTimeoutMs: options.helloTimeoutMs,
      connection: options.maxFrameBytes ? { maxFrameBytes: options.maxFrameBytes } : undefined,
    });
    const runner = new PluginRunner(child, options);
    void runner.sampleRss();
    return runner;
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.child.exitInfo && !this.child.connection.isClosed;
  }

  // Calls sent and not answered yet (pipelining depth).
  get inFlight(): number {
    return this.tracker.size;
  }

  get exited(): Promise<ExitInfo> {
    return this.child.exited;
  }

  // Why the runner is gone: the limit that killed it, or how it exited (the supervisor records this).
  lossReason(): string {
    if (this.lost) return this.lost.message;
    const info = this.child.exitInfo;
    if (!info) return 'still running';
    const tail = this.child.stderrTail().trim().split('\n').slice(-3).join(' | ');
    return `${describeExit(info.code, info.signal)}${tail ? `: ${tail}` : ''}`;
  }

  async load(request: LoadRequest): Promise<LoadResult> {
    const params: Record<string, unknown> = {
      plugin_path: request.pluginPath,
      database: request.database,
      persist_cache: request.persistCache ?? true,
      trigger_name: this.options.name,
    };
    if (request.source !== undefined) params.source = request.source;
    if (request.cacheSnapshot) params.cache_snapshot = snapshotToWire(request.cacheSnapshot);
    if (this.options.memoryLimitBytes) params.memory_limit_bytes = addressSpaceLimit(this.options.memoryLimitBytes);
    const { raw } = await this.send('load', params, { host: NO_HOST }, false);
    return {
      kind: String(raw.kind ?? 'file'),
      cacheRestored: typeof raw.cache_restored === 'number' ? raw.cache_restored : 0,
      cacheRestoreFailed: Array.isArray(raw.cache_restore_failed) ? raw.cache_restore_failed.map(String) : [],
      memoryLimitApplied: typeof raw.memory_limit_applied === 'boolean' ? raw.memory_limit_applied : null,
    };
  }

  // `process_writes` / `process_scheduled_call` / `process_request`; rejects with PluginCallError.
  call(method: string, params: Record<string, unknown>, options: CallOptions): Promise<CallResult> {
    return this.send(method, params, options, true);
  }

  // `$/cancel` for the running call: the plugin's next API call raises KeyboardInterrupt (cooperative).
  async cancel(): Promise<void> {
    const running = this.tracker.running;
    if (!running || !this.alive) return;
    running.cancelRequested = true;
    await this.child.connection.request(ChoreMethod.cancel, {}, { timeoutMs: SHUTDOWN_GRACE_MS }).catch(() => undefined);
  }

  async ping(timeoutMs = 5_000): Promise<PingResult> {
    return parsePingResult(await this.child.connection.request(ChoreMethod.ping, {}, { timeoutMs }));
  }

  // `$/shutdown`, then SIGKILL if the child is still there after graceMs.
  async stop(graceMs = SHUTDOWN_GRACE_MS): Promise<ExitInfo> {
    this.stopping = true;
    this.stopSampler();
    const info = await this.child.shutdown(graceMs);
    this.options.metrics?.forgetRunner(this.options.name);
    return info;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private async send(method: string, params: Record<string, unknown>, options: CallOptions, counted: boolean): Promise<CallResult> {
    if (!this.alive) throw notSentError(this.lost?.message ?? this.lossReason());
    const slot = this.tracker.add(method, options.host, options.timeoutMs ?? this.options.timeoutMs);
    this.startSampler();
    const started = performance.now();
    let raw: unknown;
    let failure: PluginCallError | null = null;
    const connection = this.child.connection;
    const reply = connection.request(method, params);
    this.tracker.bind(slot, connection.lastRequestId);
    try {
      raw = await reply;
    } catch (err) {
      failure = this.toFailure(slot, err);
    }
    this.tracker.settle(slot);
    if (!failure && slot.verdict) failure = slot.verdict as PluginCallError;
    const durationMs = performance.now() - started;
    if (counted) this.options.metrics?.call(this.options.name, durationMs / 1000, failure !== null);
    if (failure) {
      if (counted) this.options.metrics?.failure(this.options.name, failure.message, Date.now(), failure.traceback);
      throw failure;
    }
    const result = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const writes = (typeof result.writes === 'object' && result.writes !== null ? result.writes : {}) as Record<string, string[]>;
    return { writes, cacheChanges: parseCacheChanges(result.cache_changes), raw: result, durationMs };
  }

  private toFailure(slot: CallSlot, err: unknown): PluginCallError {
    if (slot.verdict) return slot.verdict as PluginCallError;
    if (err instanceof RemoteError) {
      const stopped = err.errorType === 'ShuttingDown' || err.errorType === 'Cancelled';
      const cancelled = stopped || (slot.cancelRequested && err.errorType === 'KeyboardInterrupt');
      return new PluginCallError(cancelled ? 'cancelled' : 'plugin', err.message, {
        errorType: err.errorType,
        traceback: err.traceback,
        phase: typeof err.extra.phase === 'string' ? err.extra.phase : null,
        cacheChanges: parseCacheChanges(err.extra.cache_changes),
      });
    }
    if (err instanceof ConnectionClosedError) {
      const neverStarted = slot.startedAtMs === null;
      if (this.lost) {
        return crashedError(`was killed while this call waited behind another one (${this.lost.message})`, '', err, neverStarted);
      }
      const info = this.child.exitInfo;
      const how = info ? describeExit(info.code, info.signal) : `lost its connection (${err.reason})`;
      return crashedError(this.stopping ? `${how} while shutting down` : how, this.child.stderrTail(), err, neverStarted);
    }
    return new PluginCallError('crashed', errorMessage(err), { runnerLost: !this.alive, cause: err });
  }

  private onCallStart(slot: CallSlot): void {
    // The call before it ended because the runner is gone: this one never starts (it is not sent again here; its
    // failure says neverStarted and the trigger runtime resends it to the next runner).
    if (this.lost || !this.alive) return;
    slot.startedAtMs = Date.now();
    if (slot.timeoutMs > 0) {
      slot.timer = setTimeout(() => {
        this.options.metrics?.timeout(this.options.name);
        this.breach(slot, timeoutError(slot.timeoutMs));
      }, slot.timeoutMs);
    }
  }

  // A limit was hit: the call fails with `err` and the runner is killed (the supervisor replaces it).
  private breach(slot: CallSlot, err: PluginCallError): void {
    if (slot.verdict || this.lost) return;
    slot.verdict = err;
    this.lost = err;
    this.options.logger.warn({ trigger: this.options.name, runnerPid: this.pid, reason: err.message }, 'killing plugin runner');
    this.kill();
  }

  private startSampler(): void {
    if (this.sampler || !this.alive) return;
    this.sampler = setInterval(() => void this.sampleRss(), this.options.rssSampleIntervalMs ?? DEFAULT_RSS_SAMPLE_MS);
    this.sampler.unref();
  }

  private stopSampler(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
  }

  private async sampleRss(): Promise<void> {
    if (this.tracker.size === 0 && this.sampler) this.stopSampler();
    const rss = await this.child.rssBytes();
    if (rss === undefined) return;
    this.options.metrics?.rssSample(this.options.name, rss);
    const limit = this.options.memoryLimitBytes;
    const running = this.tracker.running;
    if (limit && rss > limit && running) {
      this.options.metrics?.memoryKill(this.options.name);
      this.breach(running, memoryLimitError(limit, rss));
    }
  }
}
