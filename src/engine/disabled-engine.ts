import { join } from 'node:path';
import type { PackageInstallerApi } from './environment/package-installer.js';
import { engineDisabledError } from './errors.js';
import { PluginLogStore } from './plugin-logs/plugin-log-store.js';
import type { Engine, PluginUploads, ProcessingEngineDeps, RefreshedPlugin } from './processing-engine.js';
import { RunnerMetrics } from './runners/runner-metrics.js';
import { ENGINE_SYSTEM_TABLES, engineSystemTables } from './system-tables/engine-system-tables.js';
import { emptyPluginSystemTables, PLUGIN_SYSTEM_TABLES } from './system-tables/plugin-system-tables.js';

function refuse(): never {
  throw engineDisabledError();
}

// Install endpoints without --plugin-dir: refused before the request body is read.
export const DISABLED_PACKAGES: PackageInstallerApi = { assertAvailable: refuse, installPackages: refuse, installRequirements: refuse };

const DISABLED_UPLOADS: PluginUploads = { assertUploadsAllowed: refuse, writeFile: refuse, updatePlugin: refuse, replaceDirectory: refuse };

// The engine without --plugin-dir: no Python is started, every plugin operation answers the engine-disabled error,
// the system tables exist and are empty (processing_engine_logs still shows what earlier runs logged), and the
// runner metrics are still exported.
export class DisabledEngine implements Engine {
  readonly logs: PluginLogStore;
  readonly packages = DISABLED_PACKAGES;
  readonly pluginFiles = DISABLED_UPLOADS;

  constructor(private readonly deps: Pick<ProcessingEngineDeps, 'config' | 'logger' | 'registry' | 'systemTables'>) {
    const { config, logger } = deps;
    // Registered for /metrics all the same.
    new RunnerMetrics(deps.registry);
    const fileStore = config.objectStore === 'file' && config.dataDir;
    this.logs = new PluginLogStore({ dir: fileStore ? join(config.dataDir!, 'engine', 'logs') : null, logger: logger.child({ part: 'plugin-logs' }) });
    deps.systemTables.add(engineSystemTables({ triggers: () => [], logs: this.logs, stats: () => undefined }), ENGINE_SYSTEM_TABLES);
    deps.systemTables.add(emptyPluginSystemTables(), PLUGIN_SYSTEM_TABLES);
  }

  async start(): Promise<void> {
    await this.logs.start();
    this.deps.logger.info('processing engine disabled: no --plugin-dir');
  }

  async stop(): Promise<void> {
    await this.logs.stop();
  }

  createTrigger(): Promise<unknown> {
    return Promise.reject(engineDisabledError());
  }

  deleteTrigger(): Promise<void> {
    return Promise.reject(engineDisabledError());
  }

  enableTrigger(): Promise<void> {
    return Promise.reject(engineDisabledError());
  }

  disableTrigger(): Promise<void> {
    return Promise.reject(engineDisabledError());
  }

  refreshRemotePlugins(): Promise<RefreshedPlugin[]> {
    return Promise.reject(engineDisabledError());
  }

  runRequestTrigger(): Promise<never> {
    return Promise.reject(engineDisabledError());
  }

  requestTriggerDatabase(): string | null {
    return null;
  }

  async pluginOfTrigger(): Promise<string | null> {
    return null;
  }

  async databaseDeleted(): Promise<void> {}

  async databaseRemoved(): Promise<void> {}

  testWal(): Promise<never> {
    return Promise.reject(engineDisabledError());
  }

  testSchedule(): Promise<never> {
    return Promise.reject(engineDisabledError());
  }
}
