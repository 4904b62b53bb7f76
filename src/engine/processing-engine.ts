import { join, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import type { ServeConfig } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import type { SystemTableRegistry } from '../storage/query/system-table-registry.js';
import { GlobalCache } from './plugin-cache/global-cache.js';
import { TriggerCacheStore } from './plugin-cache/trigger-cache-store.js';
import { DryRunService } from './dry-run/dry-run-service.js';
import type { PluginTestResponse, ScheduleTestRequest, WalTestRequest } from './dry-run/dry-run-types.js';
import { PluginEnvironment } from './environment/plugin-environment.js';
import { PluginLogStore } from './plugin-logs/plugin-log-store.js';
import type { PluginQuerySource } from './runners/query-cursor.js';
import { RunnerFactory } from './runners/runner-factory.js';
import { RunnerMetrics } from './runners/runner-metrics.js';
import { RunnerSandbox } from './runners/sandbox/runner-sandbox.js';
import { pluginBaseEnv, pluginEnvPolicy } from './runners/plugin-env-policy.js';
import type { Database } from '../storage/catalog/catalog-resources.js';
import type { RequestInput, RequestOutput } from './triggers/trigger-event.js';
import { PluginWatcher } from './plugins/plugin-watcher.js';
import { PluginLocator } from './plugins/plugin-locator.js';
import { RemotePlugins } from './plugins/remote-plugins.js';
import { PluginRegistry } from './plugins/plugin-registry.js';
import { PackageInstaller, type PackageInstallerApi } from './environment/package-installer.js';
import { PluginFiles } from './plugins/plugin-files.js';
import { PLUGIN_SYSTEM_TABLES, pluginSystemTables } from './system-tables/plugin-system-tables.js';
import type { TriggerRuntimeView } from './triggers/trigger-runtime-view.js';
import { TriggerManager, type CreateTriggerRequest } from './triggers/trigger-manager.js';
import { WalCursorStore } from './triggers/wal/wal-cursor-store.js';
import { runnerNameOf } from './triggers/trigger-runtime.js';
import { ENGINE_SYSTEM_TABLES, engineSystemTables } from './system-tables/engine-system-tables.js';

export interface ProcessingEngineDeps {
  config: ServeConfig;
  storage: StorageEngine;
  // Process nodes: plugin queries go to the upstream InfluxDB (default: storage).
  pluginQueries?: PluginQuerySource;
  logger: Logger;
  registry: Registry;
  systemTables: SystemTableRegistry;
}

// What the server (app.ts, the HTTP routes) asks of the Processing Engine, on or off.
export interface Engine {
  start(): Promise<void>;
  stop(): Promise<void>;
  createTrigger(request: CreateTriggerRequest): Promise<unknown>;
  deleteTrigger(database: string, name: string, force: boolean): Promise<void>;
  enableTrigger(database: string, name: string): Promise<void>;
  disableTrigger(database: string, name: string): Promise<void>;
  refreshRemotePlugins(): Promise<RefreshedPlugin[]>;
  runRequestTrigger(path: string, input: RequestInput): Promise<RequestOutput>;
  // The database of the request trigger at `path`, or null (the auth layer scopes /api/v3/engine/<path> by it).
  requestTriggerDatabase(path: string): string | null;
  // The plugin a trigger uses (uploads replace it by trigger name), in one database or any.
  pluginOfTrigger(db: string | null, name: string): Promise<string | null>;
  databaseDeleted(db: Database): Promise<void>;
  databaseRemoved(db: Database): Promise<void>;
  testWal(request: WalTestRequest): Promise<PluginTestResponse>;
  testSchedule(request: ScheduleTestRequest): Promise<PluginTestResponse>;
  // pip inside the plugin venv (install endpoints).
  readonly packages: PackageInstallerApi;
  // Plugin uploads.
  readonly pluginFiles: PluginUploads;
}

export type RefreshedPlugin = Awaited<ReturnType<TriggerManager['refreshRemotePlugins']>>[number];
export type PluginUploads = Pick<PluginFiles, 'assertUploadsAllowed' | 'writeFile' | 'updatePlugin' | 'replaceDirectory' | 'readFile'>;

// The parts built from --plugin-dir.
interface EnabledParts {
  pluginDir: string;
  environment: PluginEnvironment;
  runners: RunnerFactory;
  dryRuns: DryRunService;
  triggers: TriggerManager;
  watcher: PluginWatcher;
  registry: PluginRegistry;
  packages: PackageInstaller;
  files: PluginFiles;
  sandbox: RunnerSandbox;
}

// Facade of the Processing Engine: owns the Python environment, runners, dry runs and triggers.
// Needs --plugin-dir; without it app.ts uses DisabledEngine.
export class ProcessingEngine implements Engine {
  // Behind system.processing_engine_logs; kept under <data-dir>/engine/logs across restarts (file object store).
  readonly logs: PluginLogStore;
  // The global cache namespace shared by every runner; persisted with the trigger caches.
  readonly globalCache = new GlobalCache();
  readonly metrics: RunnerMetrics;
  // Per-trigger local cache snapshots under <data-dir>/engine/cache (memory only for --object-store memory).
  readonly cacheStore: TriggerCacheStore;
  private readonly parts: EnabledParts;

  constructor(private readonly deps: ProcessingEngineDeps) {
    const { config, logger } = deps;
    if (config.pluginDir === null) throw new Error('the processing engine needs --plugin-dir (app.ts uses DisabledEngine without it)');
    this.metrics = new RunnerMetrics(deps.registry);
    const fileStore = config.objectStore === 'file' && config.dataDir;
    this.cacheStore = new TriggerCacheStore({ dir: fileStore ? join(config.dataDir!, 'engine', 'cache') : null, logger });
    this.logs = new PluginLogStore({ dir: fileStore ? join(config.dataDir!, 'engine', 'logs') : null, logger: logger.child({ part: 'plugin-logs' }) });
    deps.systemTables.add(
      engineSystemTables({
        triggers: (db) => this.triggerViews(db),
        logs: this.logs,
        stats: (record) => this.metrics.statsOf(runnerNameOf(record)),
        activity: (record) => this.metrics.activity.lastHour(runnerNameOf(record), Date.now()),
      }),
      ENGINE_SYSTEM_TABLES,
    );
    const pluginDir = resolve(config.pluginDir);
    const pluginEnv = pluginBaseEnv(pluginEnvPolicy(config));
    const environment = new PluginEnvironment({
      pluginDir,
      venvDir: config.virtualEnvLocation,
      python: config.python,
      logger: logger.child({ part: 'environment' }),
    });
    // What runners must never see: the data dir (catalog, WAL, other triggers' caches and logs) and the token file.
    const sandbox = new RunnerSandbox({
      mode: config.pluginSandbox,
      network: config.pluginNetwork,
      cpuCores: config.pluginCpuLimit,
      hidden: [config.dataDir, config.adminTokenFile].filter((p): p is string => typeof p === 'string' && p !== '').map((p) => resolve(p)),
      writable: config.pluginWritablePaths,
      logger: logger.child({ part: 'sandbox' }),
    });
    const runners = new RunnerFactory({
      sandbox,
      cpuCores: config.pluginCpuLimit,
      maxProcesses: config.pluginMaxProcesses,
      environment,
      pluginDir,
      globalCache: this.globalCache,
      metrics: this.metrics,
      logger: logger.child({ part: 'runner' }),
      timeoutMs: config.pluginTimeoutMs,
      memoryLimitBytes: config.pluginMemoryLimitBytes > 0 ? config.pluginMemoryLimitBytes : null,
      env: pluginEnv,
    });
    // No plugin path (upload, trigger, dry run) may resolve into these.
    const protectedDirs = [
      { path: environment.venvDir, what: 'the plugin virtual environment' },
      ...(config.dataDir ? [{ path: config.dataDir, what: "the server's data directory" }] : []),
    ];
    const remote = new RemotePlugins({ pluginDir, pluginRepo: config.pluginRepo, pluginDirOnly: config.pluginDirOnly, logger: logger.child({ part: 'remote-plugins' }) });
    const plugins = new PluginLocator({ pluginDir, remote, protectedDirs });
    const dryRuns = new DryRunService({ plugins, storage: deps.storage, queries: deps.pluginQueries, runners, logger });
    const registry = new PluginRegistry({ pluginDir, logger: logger.child({ part: 'plugin-registry' }) });
    const packages = new PackageInstaller({ environment, packageManager: config.packageManager, logger: logger.child({ part: 'packages' }), pluginDir, env: pluginEnv, sandbox });
    const triggers = new TriggerManager({
      packages,
      registry,
      storage: deps.storage,
      queries: deps.pluginQueries,
      runners,
      logs: this.logs,
      logger: logger.child({ part: 'triggers' }),
      metrics: this.metrics,
      cacheStore: this.cacheStore,
      plugins,
      allowedKinds: config.restrictPluginTriggersTo,
      nodeId: config.nodeId,
      idleTimeouts: { triggerMs: config.pluginRunnerIdleTimeoutMs, requestMs: config.pluginRequestRunnerIdleTimeoutMs },
      walCursors: new WalCursorStore({ file: fileStore ? join(config.dataDir!, 'engine', 'wal-cursors.json') : null, logger: logger.child({ part: 'wal-cursors' }) }),
    });
    // Checkpoints keep the WAL that enabled WAL triggers have not completed (up to --plugin-wal-backlog-max).
    deps.storage.walRetention = { floor: () => triggers.walCursorFloor(), maxBytes: config.pluginWalBacklogMaxBytes };
    const watcher = new PluginWatcher({
      pluginDir,
      logger,
      onChange: (change) => {
        triggers.pluginChanged(change);
        void registry.changed(change);
      },
    });
    deps.systemTables.add(pluginSystemTables({ registry, triggers: () => triggers.store.all() }), PLUGIN_SYSTEM_TABLES);
    const files = new PluginFiles({ pluginDir, logger: logger.child({ part: 'plugin-files' }), pluginDirOnly: config.pluginDirOnly, protectedDirs });
    this.parts = { pluginDir, environment, runners, dryRuns, triggers, watcher, registry, packages, files, sandbox };
  }

  get pluginDir(): string {
    return this.parts.pluginDir;
  }

  // pip inside the plugin venv (install endpoints, plugin requirements).
  get packages(): PackageInstaller {
    return this.parts.packages;
  }

  get pluginFiles(): PluginFiles {
    return this.parts.files;
  }

  // The plugin a trigger uses (uploads replace it by trigger name), in one database or any.
  async pluginOfTrigger(db: string | null, name: string): Promise<string | null> {
    const record = this.parts.triggers.store.all().find((r) => r.name === name && (db === null || r.databaseName === db));
    return record?.pluginFilename ?? null;
  }

  // The interpreter state, for status output.
  get environment(): PluginEnvironment {
    return this.parts.environment;
  }

  // Starts runners with the server's interpreter and limits.
  get runners(): RunnerFactory {
    return this.parts.runners;
  }

  // Returns at once: the venv is prepared in the background so reads and writes are served immediately.
  async start(): Promise<void> {
    await this.logs.start();
    await this.cacheStore.start(this.globalCache);
    this.deps.logger.info({ pluginDir: this.parts.pluginDir }, 'processing engine enabled');
    this.parts.environment.start();
    // Probes bwrap, user namespaces and cgroups once, and logs the one line naming each protection.
    void this.parts.sandbox.ready();
    await this.parts.watcher.start().catch((err: unknown) => {
      this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot watch the plugin directory; edits still reach runners');
    });
    await this.parts.registry.start();
    await this.parts.triggers.start();
  }

  // Triggers first (running calls are cancelled, runners shut down), then the caches they fed are written.
  async stop(): Promise<void> {
    this.parts.environment.stop();
    await this.parts.triggers.stop();
    await this.parts.watcher.stop();
    await this.parts.registry.stop();
    await this.parts.dryRuns.stop();
    await this.parts.sandbox.stop();
    await this.cacheStore.stop();
    await this.logs.stop();
  }

  createTrigger(request: CreateTriggerRequest): Promise<unknown> {
    return this.parts.triggers.create(request);
  }

  deleteTrigger(database: string, name: string, force: boolean): Promise<void> {
    return this.parts.triggers.delete(database, name, force);
  }

  enableTrigger(database: string, name: string): Promise<void> {
    return this.parts.triggers.enable(database, name);
  }

  disableTrigger(database: string, name: string): Promise<void> {
    return this.parts.triggers.disable(database, name);
  }

  refreshRemotePlugins(): Promise<RefreshedPlugin[]> {
    return this.parts.triggers.refreshRemotePlugins();
  }

  runRequestTrigger(path: string, input: RequestInput): Promise<RequestOutput> {
    return this.parts.triggers.handleRequest(path, input);
  }

  requestTriggerDatabase(path: string): string | null {
    return this.parts.triggers.requestDatabase(path);
  }

  // The triggers of a database with their live state (system tables).
  triggerViews(database: string | null): TriggerRuntimeView[] {
    return this.parts.triggers.views(database);
  }

  // Storage tells us about database deletes: soft → triggers stopped and disabled; removed → forgotten.
  async databaseDeleted(db: Database): Promise<void> {
    await this.parts.triggers.onDatabaseDeleted(db, false);
  }

  async databaseRemoved(db: Database): Promise<void> {
    await this.parts.triggers.onDatabaseDeleted(db, true);
  }

  testWal(request: WalTestRequest): Promise<PluginTestResponse> {
    return this.parts.dryRuns.testWal(request);
  }

  testSchedule(request: ScheduleTestRequest): Promise<PluginTestResponse> {
    return this.parts.dryRuns.testSchedule(request);
  }
}
