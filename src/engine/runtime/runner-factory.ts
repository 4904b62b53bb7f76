import { availableParallelism } from 'node:os';
import type { Logger } from '../../shared/logger.js';
import type { GlobalCache } from '../cache/global-cache.js';
import type { PluginEnvironment } from '../environment/plugin-environment.js';
import type { CallHost } from './call-tracker.js';
import { PluginRunner } from './plugin-runner.js';
import type { RunnerMetrics } from './runner-metrics.js';

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
}

// Per runner: a trigger's own timeout, and who serves requests from its finished calls' threads.
export interface RunnerOverrides {
  timeoutMs?: number;
  memoryLimitBytes?: number | null;
  lateHost?: CallHost;
}

// Starts runners with the server's interpreter and limits; waits for the environment first (so plugin operations
// issued during start-up wait for the venv instead of failing). Triggers (issue 5) and dry runs both use it.
export class RunnerFactory {
  // At most this many children start at once: 100 triggers booting together would otherwise starve the server's
  // event loop (and each other) on a small machine; the rest wait their turn.
  private readonly maxStarting: number;
  private starting = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly deps: RunnerFactoryDeps) {
    this.maxStarting = deps.maxConcurrentStarts ?? Math.max(2, 2 * availableParallelism());
  }

  // Resolves once the plugin interpreter is usable; rejects with the error that names the fix.
  async ready(): Promise<void> {
    await this.deps.environment.ready();
  }

  async start(name: string, overrides: RunnerOverrides = {}): Promise<PluginRunner> {
    const venv = await this.deps.environment.ready();
    await this.turn();
    try {
      return await this.spawn(name, venv.python, overrides);
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
    });
  }
}
