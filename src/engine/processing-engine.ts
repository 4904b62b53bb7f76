import { join, resolve } from 'node:path';
import type Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { ServeConfig } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import type { SystemTableRegistry } from '../storage/query/system-table-registry.js';
import { GlobalCache } from './cache/global-cache.js';
import { TriggerCacheStore } from './cache/trigger-cache-store.js';
import { DryRunService } from './dry-run/dry-run-service.js';
import type { PluginTestResponse, ScheduleTestRequest, WalTestRequest } from './dry-run/dry-run-types.js';
import { PluginEnvironment } from './environment/plugin-environment.js';
import { engineDisabledError } from './errors.js';
import { PluginLogStore } from './logs/plugin-log-store.js';
import { RunnerFactory } from './runtime/runner-factory.js';
import { RunnerMetrics } from './runtime/runner-metrics.js';

export interface ProcessingEngineDeps {
  config: ServeConfig;
  storage: StorageEngine;
  logger: Logger;
  registry: Registry;
  systemTables: SystemTableRegistry;
}

// The parts that exist only when --plugin-dir is set.
interface EnabledParts {
  pluginDir: string;
  environment: PluginEnvironment;
  runners: RunnerFactory;
  dryRuns: DryRunService;
}

// Facade of the Processing Engine: owns the Python environment, runners, dry runs and (issue 5) triggers.
// Off without --plugin-dir: no Python is started and every plugin operation answers engineDisabledError().
export class ProcessingEngine {
  // system.processing_engine_logs (issue 5 exposes it).
  readonly logs = new PluginLogStore();
  // The global cache namespace shared by every runner; persisted with the trigger caches.
  readonly globalCache = new GlobalCache();
  readonly metrics: RunnerMetrics;
  // Per-trigger local cache snapshots under <data-dir>/engine/cache (memory only for --object-store memory).
  readonly cacheStore: TriggerCacheStore;
  private readonly parts: EnabledParts | null;

  constructor(private readonly deps: ProcessingEngineDeps) {
    const { config, logger } = deps;
    this.metrics = new RunnerMetrics(deps.registry);
    const fileStore = config.objectStore === 'file' && config.dataDir;
    this.cacheStore = new TriggerCacheStore({ dir: fileStore ? join(config.dataDir!, 'engine', 'cache') : null, logger });
    if (config.pluginDir === null) {
      this.parts = null;
      return;
    }
    const pluginDir = resolve(config.pluginDir);
    const environment = new PluginEnvironment({
      pluginDir,
      venvDir: config.virtualEnvLocation,
      python: config.python,
      logger: logger.child({ part: 'environment' }),
    });
    const runners = new RunnerFactory({
      environment,
      pluginDir,
      globalCache: this.globalCache,
      metrics: this.metrics,
      logger: logger.child({ part: 'runner' }),
      timeoutMs: config.pluginTimeoutMs,
      memoryLimitBytes: config.pluginMemoryLimitBytes > 0 ? config.pluginMemoryLimitBytes : null,
    });
    const dryRuns = new DryRunService({ pluginDir, pluginRepo: config.pluginRepo, storage: deps.storage, runners, logger });
    this.parts = { pluginDir, environment, runners, dryRuns };
  }

  get enabled(): boolean {
    return this.parts !== null;
  }

  get pluginDir(): string | null {
    return this.parts?.pluginDir ?? null;
  }

  // The interpreter state, for status output; null when the engine is off.
  get environment(): PluginEnvironment | null {
    return this.parts?.environment ?? null;
  }

  // Starts runners with the server's interpreter and limits (issue 5's triggers use it); throws when off.
  get runners(): RunnerFactory {
    return this.require().runners;
  }

  // Returns at once: the venv is prepared in the background so reads and writes are served immediately.
  async start(): Promise<void> {
    if (!this.parts) {
      this.deps.logger.info('processing engine disabled: no --plugin-dir');
      return;
    }
    await this.cacheStore.start(this.globalCache);
    this.deps.logger.info({ pluginDir: this.parts.pluginDir }, 'processing engine enabled');
    this.parts.environment.start();
  }

  async stop(): Promise<void> {
    await this.parts?.dryRuns.stop();
    await this.cacheStore.stop();
  }

  testWal(request: WalTestRequest): Promise<PluginTestResponse> {
    return this.require().dryRuns.testWal(request);
  }

  testSchedule(request: ScheduleTestRequest): Promise<PluginTestResponse> {
    return this.require().dryRuns.testSchedule(request);
  }

  // Engine-owned routes that need no HTTP helpers (issue 5); the dry-run routes live in http/routes.
  registerRoutes(_router: Router): void {}

  private require(): EnabledParts {
    if (!this.parts) throw engineDisabledError();
    return this.parts;
  }
}
