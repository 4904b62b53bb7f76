import { availableParallelism } from 'node:os';
import { OutputRateLimiter } from '../../ipc/index.js';
import type { Logger } from '../../shared/logger.js';
import type { GlobalCache } from '../plugin-cache/global-cache.js';
import type { PluginEnvironment } from '../environment/plugin-environment.js';
import type { CallHost } from './call-tracker.js';
import { PluginRunner } from './plugin-runner.js';
import type { RunnerMetrics } from './runner-metrics.js';
import type { RunnerSandbox } from './sandbox/runner-sandbox.js';

// The server-wide settings every runner shares.
export interface RunnerFactoryDeps {
  environment: PluginEnvironment;
  pluginDir: string;
  globalCache: GlobalCache;
  metrics: RunnerMetrics;
  logger: Logger;
  timeoutMs: number;
  memoryLimitBytes: number | null;
  maxConcurrentStarts?: number;
  // --plugin-sandbox: every runner (triggers, run_async pools, dry runs) starts through it.
  sandbox?: RunnerSandbox;
  // --plugin-cpu-limit (cores) and --plugin-max-processes; 0 = none.
  cpuCores?: number;
  maxProcesses?: number;
  // What runners inherit: the server's environment filtered by the plugin environment policy (plugin-env-policy.ts).
  env?: NodeJS.ProcessEnv;
}

// Per runner: a trigger's own timeout, and who serves requests from its finished calls' threads.
export interface RunnerOverrides {
  timeoutMs?: number;
  memoryLimitBytes?: number | null;
  cpuCores?: number;
  maxProcesses?: number;
  lateHost?: CallHost;
}

// Starts runners with the server's interpreter and limits; waits for the environment first (so plugin operations
// issued during start-up wait for the venv instead of failing). Triggers and dry runs both use it.
// Output allowances kept at most (names of deleted triggers and dry runs are dropped past it).
const MAX_OUTPUT_LIMITERS = 10_000;

export class RunnerFactory {
  // At most this many children start at once: 100 triggers booting together would otherwise starve the server's
  // event loop (and each other) on a small machine; the rest wait their turn.
  private readonly maxStarting: number;
  private starting = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly outputLimiters = new Map<string, OutputRateLimiter>();

  constructor(private readonly deps: RunnerFactoryDeps) {
    this.maxStarting = deps.maxConcurrentStarts ?? Math.max(2, 2 * availableParallelism());
  }

  // Resolves once the plugin interpreter is usable; rejects with the error that names the fix.
  async ready(): Promise<void> {
    await this.deps.environment.ready();
  }

  // Resolves once the plugin interpreter is usable, however long that takes (triggers wait instead of failing).
  async environmentReady(): Promise<void> {
    await this.deps.environment.whenReady();
  }

  // Rejects with PythonUnavailableError when the environment is unusable (also when the venv interpreter broke
  // since it was prepared): the caller waits for environmentReady() instead of counting a plugin failure.
  async start(name: string, overrides: RunnerOverrides = {}): Promise<PluginRunner> {
    const venv = await this.deps.environment.ready();
    await this.turn();
    try {
      return await this.spawn(name, venv.python, overrides);
    } catch (err) {
      throw (await this.deps.environment.checkAfterStartFailure()) ?? err;
    } finally {
      this.starting--;
      this.waiting.shift()?.();
    }
  }

  private turn(): Promise<void> {
    if (this.starting < this.maxStarting) {
      this.starting++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.starting++;
        resolve();
      }),
    );
  }

  private spawn(name: string, python: string, overrides: RunnerOverrides): Promise<PluginRunner> {
    return PluginRunner.start({
      name,
      python,
      pluginDir: this.deps.pluginDir,
      logger: this.deps.logger,
      globalCache: this.deps.globalCache,
      metrics: this.deps.metrics,
      timeoutMs: overrides.timeoutMs ?? this.deps.timeoutMs,
      memoryLimitBytes: overrides.memoryLimitBytes === undefined ? this.deps.memoryLimitBytes : overrides.memoryLimitBytes,
      lateHost: overrides.lateHost,
      sandbox: this.deps.sandbox,
      cpuCores: overrides.cpuCores ?? this.deps.cpuCores ?? 0,
      maxProcesses: overrides.maxProcesses ?? this.deps.maxProcesses ?? 0,
      env: this.deps.env,
      outputLimiter: this.outputLimiter(name),
    });
  }

  // One output allowance per trigger, kept across its restarts and shared by a run_async pool, so neither multiplies
  // what reaches the log (docs/security.md, "Output").
  private outputLimiter(name: string): OutputRateLimiter {
    let limiter = this.outputLimiters.get(name);
    if (!limiter) {
      if (this.outputLimiters.size >= MAX_OUTPUT_LIMITERS) this.outputLimiters.clear();
      this.outputLimiters.set(name, (limiter = new OutputRateLimiter()));
    }
    return limiter;
  }
}
