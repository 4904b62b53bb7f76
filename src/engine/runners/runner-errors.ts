import type { CallPhase } from '../../ipc/index.js';
import { AppError } from '../../shared/app-error.js';
import type { CacheChanges } from '../plugin-cache/cache-snapshot.js';

// Why a call failed: the plugin raised, or the host stopped it (limit hit, runner died, cancelled, shut down).
export type PluginFailureKind = 'plugin' | 'timeout' | 'memory' | 'processes' | 'crashed' | 'cancelled' | 'unavailable';

// Every failed plugin call: `message` is what users see after `error executing plugin: ` (upstream's text for a
// Python exception, e.g. `TypeError: …`), `traceback` the Python traceback when there is one.
export class PluginCallError extends AppError {
  readonly kind: PluginFailureKind;
  readonly errorType: string;
  readonly traceback: string | null;
  readonly phase: CallPhase | null;
  // Local-cache changes the child reported with the error (the cache survives a failed call).
  readonly cacheChanges: CacheChanges | null;
  // Did the runner survive? False for timeouts, memory kills and crashes: the supervisor replaces it.
  readonly runnerLost: boolean;
  // The child never started this call: it was queued behind one that took the runner down (or the runner was gone
  // before it was sent), so no plugin code ran for it and sending it again is safe.
  readonly neverStarted: boolean;

  constructor(
    kind: PluginFailureKind,
    message: string,
    options: {
      errorType?: string;
      traceback?: string | null;
      phase?: CallPhase | null;
      cacheChanges?: CacheChanges | null;
      runnerLost?: boolean;
      neverStarted?: boolean;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(`plugin_${kind}`, message, { status: 500, details: options.details, cause: options.cause });
    this.name = 'PluginCallError';
    this.kind = kind;
    this.errorType = options.errorType ?? kind;
    this.traceback = options.traceback ?? null;
    this.phase = options.phase ?? null;
    this.cacheChanges = options.cacheChanges ?? null;
    this.runnerLost = options.runnerLost ?? false;
    this.neverStarted = options.neverStarted ?? false;
  }
}

// The per-call limit of --plugin-timeout (or a trigger's override) was hit; the runner was killed.
export function timeoutError(limitMs: number): PluginCallError {
  return new PluginCallError('timeout', `plugin execution timed out after ${limitMs} ms (--plugin-timeout)`, {
    errorType: 'Timeout',
    runnerLost: true,
    details: { limitMs },
  });
}

// The runner's resident set went past --plugin-memory-limit; the runner was killed.
export function memoryLimitError(limitBytes: number, rssBytes: number): PluginCallError {
  return new PluginCallError(
    'memory',
    `plugin runner exceeded the memory limit of ${mib(limitBytes)} (--plugin-memory-limit): resident set was ${mib(rssBytes)}`,
    { errorType: 'MemoryLimit', runnerLost: true, details: { limitBytes, rssBytes } },
  );
}

// The kernel's OOM killer stopped the runner at its cgroup memory limit (a backstop above the sampled RSS limit, for
// allocations faster than the sampler and for memory held by forked children).
export function kernelMemoryKillError(cgroupLimitBytes: number, limitBytes: number): PluginCallError {
  return new PluginCallError(
    'memory',
    `plugin runner exceeded the memory limit of ${mib(limitBytes)} (--plugin-memory-limit): killed by the kernel at its cgroup limit of ${mib(cgroupLimitBytes)}`,
    { errorType: 'MemoryLimit', runnerLost: true, details: { limitBytes, cgroupLimitBytes, oomKill: true } },
  );
}

// The runner (with what it forked) reached its process limit and the call then ran out of time: a fork bomb.
export function processLimitError(maxProcesses: number, hits: number, timeoutMs: number): PluginCallError {
  return new PluginCallError(
    'processes',
    `plugin runner hit the process limit of ${maxProcesses} (trigger_settings.max_processes, --plugin-max-processes) ${hits} times and was killed when the call timed out after ${timeoutMs} ms`,
    { errorType: 'ProcessLimit', runnerLost: true, details: { maxProcesses, hits, timeoutMs } },
  );
}

// The child died during the call (os._exit, a signal, a protocol error): how it ended and what it last said.
export function crashedError(how: string, stderrTail: string, cause?: unknown, neverStarted = false): PluginCallError {
  const tail = stderrTail.trim();
  return new PluginCallError('crashed', `plugin runner ${how} during the call${tail ? `; stderr: ${lastLines(tail, 5)}` : ''}`, {
    errorType: 'RunnerExited',
    runnerLost: true,
    neverStarted,
    details: { stderrTail: tail },
    cause,
  });
}

// A call made on a runner that is already gone: nothing was sent.
export function notSentError(reason: string): PluginCallError {
  return new PluginCallError('crashed', `plugin runner is gone (${reason}); the call was not sent`, {
    errorType: 'RunnerExited',
    runnerLost: true,
    neverStarted: true,
  });
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}

// Human-readable binary megabytes, as limits are usually given (200MB → "200.0 MiB" is close enough to read).
export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
