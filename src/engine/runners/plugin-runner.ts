import { delimiter } from 'node:path';
import {
  ChoreMethod,
  type OutputRateLimiter,
  ConnectionClosedError,
  HandlerError,
  HostErrorType,
  RemoteError,
  describeExit,
  isStopByRequest,
  loadRequest,
  parseCallFailure,
  parseCallResult,
  parseLoadResult,
  parsePingResult,
  pluginCallRequest,
  spawnRunner,
  type ExitInfo,
  type LoadResult,
  type PingResult,
  type PluginCall,
  type PluginResponse,
  type RunnerProcess,
  type WireRequest,
} from '../../ipc/index.js';
import { errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import type { CacheChanges, CacheSnapshot } from '../plugin-cache/cache-snapshot.js';
import type { GlobalCache } from '../plugin-cache/global-cache.js';
import { CallTracker, type CallHost, type CallSlot } from './call-tracker.js';
import { QueuedWrites } from './queued-writes.js';
import { pythonRunnerDir } from './python-runner-dir.js';
import { PluginCallError, crashedError, kernelMemoryKillError, memoryLimitError, notSentError, processLimitError, timeoutError } from './runner-errors.js';
import type { RunnerMetrics } from './runner-metrics.js';
import { directPlan, type LaunchPlan, type RunnerSandbox } from './sandbox/runner-sandbox.js';
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
  // The trigger's output allowance (shared by its runners); one of its own otherwise.
  outputLimiter?: OutputRateLimiter;
  // Serves requests and logs from a finished call's threads; without it they are refused / only logged.
  lateHost?: CallHost;
  // Namespaces, cgroup and rlimits (--plugin-sandbox); without it: rlimits and a process-group kill only.
  sandbox?: RunnerSandbox;
  // Cores (cgroup cpu quota where there is one); 0 = none.
  cpuCores?: number;
  // Processes and threads of the runner and all it starts (pids.max / RLIMIT_NPROC); 0 = none.
  maxProcesses?: number;
}

// What the kernel did to a runner, read from its cgroup once it exited (before the cgroup is removed).
interface KernelFacts {
  oomKills: number;
  pidsMaxHits: number;
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

export type { LoadResult };

// Per call: who answers the plugin's requests, and an optional timeout override.
export interface CallOptions {
  host: CallHost;
  timeoutMs?: number;
}

// A successful plugin call.
export interface CallResult {
  // Queued write() lines: chunks streamed during the call plus the result's remainder (apply, then discard()).
  writes: QueuedWrites;
  cacheChanges: CacheChanges | null;
  // What a request plugin answered (empty for the other calls).
  response: PluginResponse;
  durationMs: number;
}

const DEFAULT_RSS_SAMPLE_MS = 250;
const SHUTDOWN_GRACE_MS = 5_000;
// How often, at most, a runner's cgroup is asked whether the kernel refused forks (pids.max).
const PIDS_CHECK_INTERVAL_MS = 1_000;
const NO_HOST: CallHost = {
  query: () => Promise.reject(new HandlerError(HostErrorType.queryError, 'no query is possible while loading')),
  writeSync: () => Promise.reject(new Error('no write is possible while loading')),
  log: () => undefined,
};

// The child's address-space cap: RLIMIT_AS counts mapped libraries and thread stacks too, so it is set well above the
// RSS limit (which the host enforces by sampling); it stops a runaway allocation the sampler would catch too late.
export function addressSpaceLimit(memoryLimitBytes: number): number {
  return Math.max(memoryLimitBytes * 2, memoryLimitBytes + 512 * 1024 * 1024);
}

// One long-lived CPython child running one plugin, with per-call timeout, memory limit and crash reporting. The engine
// creates one per trigger and reuses it across calls (calls may be pipelined: the child runs them in order);
// dry runs start one per request. A runner is one process lifetime: the supervisor starts a new one when it dies.
export class PluginRunner {
  private readonly tracker: CallTracker;
  private sampler: NodeJS.Timeout | null = null;
  private stopping = false;
  // pids.events "max" of the runner's cgroup already reported.
  private pidsMaxHitsSeen = 0;
  private pidsCheckedAt = -Infinity;
  private lost: PluginCallError | null = null;
  private readonly kernelFacts: Promise<KernelFacts>;

  private constructor(
    private readonly child: RunnerProcess,
    private readonly options: PluginRunnerOptions,
    private readonly plan: LaunchPlan,
  ) {
    options.metrics?.sandbox(options.name, plan.level);
    this.kernelFacts = child.exited.then(async () => {
      const facts = plan.cgroup
        ? { oomKills: await plan.cgroup.oomKills(), pidsMaxHits: await plan.cgroup.pidsMaxHits() }
        : { oomKills: 0, pidsMaxHits: 0 };
      if (facts.oomKills > 0 && !this.lost && !this.stopping) {
        this.lost = kernelMemoryKillError(plan.cgroup!.limits.memoryBytes ?? 0, this.options.memoryLimitBytes ?? 0);
        this.options.metrics?.memoryKill(this.options.name);
        this.options.metrics?.limitKill(this.options.name, 'memory', this.lost.message);
        this.options.logger.warn({ trigger: this.options.name, runnerPid: this.pid, reason: this.lost.message }, 'plugin runner killed by the kernel');
      }
      await plan.release().catch((err: unknown) => this.options.logger.warn({ err: errorMessage(err) }, 'could not remove the runner cgroup'));
      return facts;
    });
    this.tracker = new CallTracker((slot) => this.onCallStart(slot));
    serveChildRequests(child.connection, {
      hostFor: (callId) => this.tracker.forCallId(callId)?.host ?? options.lateHost,
      slotFor: (callId) => this.tracker.forCallId(callId),
      globalCache: options.globalCache,
      logger: options.logger.child({ trigger: options.name }),
    });
    void child.exited.then(() => {
      this.stopSampler();
      this.tracker.clearTimers();
    });
  }

  // Spawns `<python> -m plugin_runner` (inside the sandbox) and resolves once it said hello.
  static async start(options: PluginRunnerOptions): Promise<PluginRunner> {
    const env = options.env ?? process.env;
    const runnerDir = pythonRunnerDir();
    const pythonArgs = ['-m', 'plugin_runner', ...(options.maxFrameBytes ? ['--max-frame-bytes', String(options.maxFrameBytes)] : [])];
    const limits = {
      memoryLimitBytes: options.memoryLimitBytes,
      addressSpaceBytes: options.memoryLimitBytes ? addressSpaceLimit(options.memoryLimitBytes) : null,
      cpuCores: options.cpuCores ?? 0,
      maxProcesses: options.maxProcesses ?? 0,
    };
    const plan = options.sandbox
      ? await options.sandbox.plan(options.name, options.python, pythonArgs, [runnerDir, options.pluginDir], limits)
      : directPlan(options.python, pythonArgs, limits);
    let child: RunnerProcess;
    try {
      child = await spawnRunner({
        python: options.python,
        command: plan.command,
        args: plan.args,
        processGroup: plan.processGroup,
        wrapped: plan.wrapped,
        env,
        extraEnv: {
          PYTHONPATH: env.PYTHONPATH ? `${runnerDir}${delimiter}${env.PYTHONPATH}` : runnerDir,
          PLUGIN_DIR: options.pluginDir,
        },
        logger: options.logger,
        name: options.name,
        helloTimeoutMs: options.helloTimeoutMs,
        connection: options.maxFrameBytes ? { maxFrameBytes: options.maxFrameBytes } : undefined,
        outputLimiter: options.outputLimiter,
      });
    } catch (err) {
      await plan.release().catch(() => undefined);
      throw err;
    }
    const runner = new PluginRunner(child, options, plan);
    void runner.sampleRss();
    return runner;
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number {
    return this.child.pid;
  }

  // The protections this runner runs under, e.g. 'bwrap,userns,cgroup,rlimits'.
  get sandboxLevel(): string {
    return this.plan.level;
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
    const wire = loadRequest({
      ...request,
      persistCache: request.persistCache ?? true,
      triggerName: this.options.name,
      memoryLimitBytes: this.options.memoryLimitBytes ? addressSpaceLimit(this.options.memoryLimitBytes) : undefined,
    });
    return parseLoadResult((await this.send(wire, { host: NO_HOST }, false)).raw);
  }

  // One call of the plugin's entry point; rejects with PluginCallError.
  async call(call: PluginCall, options: CallOptions): Promise<CallResult> {
    const { raw, writes, durationMs } = await this.send(pluginCallRequest(call), options, true);
    const result = parseCallResult(raw);
    writes.addRemainder(result.writes);
    return { writes, cacheChanges: result.cacheChanges, response: result.response, durationMs };
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
    // Its cgroup is read and removed before stop() resolves, so the server's own cgroup can go at shutdown.
    await this.kernelFacts;
    this.options.metrics?.forgetRunner(this.options.name);
    return info;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private async send({ method, params }: WireRequest, options: CallOptions, counted: boolean): Promise<{ raw: unknown; writes: QueuedWrites; durationMs: number }> {
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
    if (this.plan.cgroup && this.alive) this.reportRefusedForks(options.host);
    // Died under us: the kernel may have killed it for a limit (cgroup OOM); name that instead of "killed by SIGKILL".
    if (failure && failure.kind === 'crashed' && !failure.neverStarted && this.plan.cgroup && !this.alive) {
      await this.kernelFacts;
      if (this.lost?.kind === 'memory') failure = this.lost;
    }
    const durationMs = performance.now() - started;
    if (counted) this.options.metrics?.call(this.options.name, durationMs / 1000, failure !== null);
    if (failure) {
      void slot.writes?.discard();
      if (counted) this.options.metrics?.failure(this.options.name, failure.message, Date.now(), failure.traceback);
      throw failure;
    }
    return { raw, writes: slot.writes ?? new QueuedWrites(), durationMs };
  }

  private toFailure(slot: CallSlot, err: unknown): PluginCallError {
    if (slot.verdict) return slot.verdict as PluginCallError;
    if (err instanceof RemoteError) {
      const failure = parseCallFailure(err);
      return new PluginCallError(isStopByRequest(failure.errorType, slot.cancelRequested) ? 'cancelled' : 'plugin', failure.message, {
        errorType: failure.errorType,
        traceback: failure.traceback,
        phase: failure.phase,
        cacheChanges: failure.cacheChanges,
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
      slot.timer = setTimeout(() => void this.onTimeout(slot), slot.timeoutMs);
    }
  }

  // A fork or thread the kernel refused at the process limit (pids.max) fails inside the plugin (BlockingIOError);
  // the trigger's log says which limit refused it, once per call that ran into it.
  // Off the call's path and at most once a second: a file read per call would double activation latency.
  private reportRefusedForks(host: CallHost): void {
    const now = performance.now();
    if (now - this.pidsCheckedAt < PIDS_CHECK_INTERVAL_MS) return;
    this.pidsCheckedAt = now;
    void this.readRefusedForks(host);
  }

  private async readRefusedForks(host: CallHost): Promise<void> {
    const hits = await this.plan.cgroup!.pidsMaxHits().catch(() => this.pidsMaxHitsSeen);
    if (hits <= this.pidsMaxHitsSeen) return;
    const refused = hits - this.pidsMaxHitsSeen;
    this.pidsMaxHitsSeen = hits;
    host.log('WARN', `the plugin reached its process limit of ${this.options.maxProcesses ?? 0} processes and threads: the kernel refused ${refused} fork/thread start${refused === 1 ? '' : 's'} (trigger_settings.max_processes, --plugin-max-processes)`);
  }

  // At the call timeout: a runner that ran into its process limit meanwhile (a fork bomb) is named for that limit.
  private async onTimeout(slot: CallSlot): Promise<void> {
    if (this.plan.cgroup && !slot.verdict) {
      const hits = await this.plan.cgroup.pidsMaxHits().catch(() => 0);
      if (this.tracker.running !== slot) return; // it finished meanwhile
      if (hits > 0) return this.breach(slot, processLimitError(this.options.maxProcesses ?? 0, hits, slot.timeoutMs), 'processes');
    }
    this.options.metrics?.timeout(this.options.name);
    this.breach(slot, timeoutError(slot.timeoutMs), 'timeout');
  }

  // A limit was hit: the call fails with `err` and the runner is killed (the supervisor replaces it).
  private breach(slot: CallSlot, err: PluginCallError, limit: string): void {
    if (slot.verdict || this.lost) return;
    slot.verdict = err;
    this.lost = err;
    this.options.metrics?.limitKill(this.options.name, limit, err.message);
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
      this.breach(running, memoryLimitError(limit, rss), 'memory');
    }
  }
}
