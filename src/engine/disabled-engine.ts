import { join } from 'node:path';
import type { PackageInstallerApi } from './environment/package-installer.js';
import { engineDisabledError } from './errors.js';
import { PluginLogStore } from './plugin-logs/plugin-log-store.js';
import type { Trigger } from '../storage/catalog/catalog-resources.js';
import { parseTriggerSpec } from './triggers/trigger-spec.js';
import type { TriggerRuntimeView } from './triggers/trigger-runtime-view.js';
import type { Engine, PluginUploads, ProcessingEngineDeps, RefreshedPlugin } from './processing-engine.js';
import { RunnerMetrics } from './runners/runner-metrics.js';
import { ENGINE_SYSTEM_TABLES, engineSystemTables } from './system-tables/engine-system-tables.js';
import { emptyPluginSystemTables, PLUGIN_SYSTEM_TABLES } from './system-tables/plugin-system-tables.js';

function refuse(): never {
  throw engineDisabledError();
}

// Install endpoints without --plugin-dir: refused before the request body is read.
export const DISABLED_PACKAGES: PackageInstallerApi = { assertAvailable: refuse, installPackages: refuse, installRequirements: refuse };

const DISABLED_UPLOADS: PluginUploads = { assertUploadsAllowed: refuse, writeFile: refuse, updatePlugin: refuse, replaceDirectory: refuse, readFile: refuse };

const NOT_RUNNING = 'plugin-dir is not set';

// A stored trigger as the system tables show it while the engine is off.
function storedView(record: Trigger): TriggerRuntimeView {
  let spec = null;
  try {
    spec = parseTriggerSpec(record.specification);
  } catch {
    // Shown as the stored text (see triggerRows).
  }
  return { record, spec, state: 'engine-disabled', reason: NOT_RUNNING, queued: 0, dropped: 0, pluginVersion: null };
}

// The engine without --plugin-dir: no Python is started, every plugin operation answers the engine-disabled error,
// stored triggers stay listed (state engine-disabled) and are named in a warning at start, so that they do not
// seem to vanish; processing_engine_logs still shows what earlier runs logged; the runner metrics are exported.
export class DisabledEngine implements Engine {
  readonly logs: PluginLogStore;
  readonly packages: PackageInstallerApi;
  readonly pluginFiles: PluginUploads;
  private readonly configFile: string | null;

  constructor(private readonly deps: Pick<ProcessingEngineDeps, 'config' | 'logger' | 'registry' | 'systemTables' | 'storage'>) {
    const { config, logger } = deps;
    this.configFile = config.configFile;
    const refuseHere = (): never => {
      throw engineDisabledError(this.configFile);
    };
    this.packages = { assertAvailable: refuseHere, installPackages: refuseHere, installRequirements: refuseHere };
    this.pluginFiles = { assertUploadsAllowed: refuseHere, writeFile: refuseHere, updatePlugin: refuseHere, replaceDirectory: refuseHere, readFile: refuseHere };
    // Registered for /metrics all the same.
    new RunnerMetrics(deps.registry);
    const fileStore = config.objectStore === 'file' && config.dataDir;
    this.logs = new PluginLogStore({ dir: fileStore ? join(config.dataDir!, 'engine', 'logs') : null, logger: logger.child({ part: 'plugin-logs' }) });
    const triggers = (db: string | null): TriggerRuntimeView[] =>
      this.storedTriggers().filter((t) => db === null || t.databaseName === db).map(storedView);
    deps.systemTables.add(engineSystemTables({ triggers, logs: this.logs, stats: () => undefined }), ENGINE_SYSTEM_TABLES);
    deps.systemTables.add(emptyPluginSystemTables(), PLUGIN_SYSTEM_TABLES);
  }

  // Triggers of live databases (a deleted database's triggers went with it).
  private storedTriggers(): Trigger[] {
    const live = new Set(this.deps.storage.databases().map((d) => d.id));
    return this.deps.storage.triggers().triggers.filter((t) => live.has(t.databaseId));
  }

  async start(): Promise<void> {
    await this.logs.start();
    const stored = this.storedTriggers();
    if (stored.length === 0) {
      this.deps.logger.info('processing engine disabled: no --plugin-dir');
      return;
    }
    const dbs = [...new Set(stored.map((t) => t.databaseName))].sort();
    const how = this.configFile ? `set plugin-dir in ${this.configFile}` : 'start with --plugin-dir <dir>';
    this.deps.logger.warn(
      { triggers: stored.map((t) => `${t.databaseName}/${t.name}`) },
      `processing engine disabled: ${stored.length} stored trigger${stored.length === 1 ? '' : 's'} in database${dbs.length === 1 ? '' : 's'} [${dbs.join(', ')}] will not run: ` +
        `${NOT_RUNNING} (${how} to run them; they stay listed in system.processing_engine_triggers with state engine-disabled)`,
    );
  }

  async stop(): Promise<void> {
    await this.logs.stop();
  }

  createTrigger(): Promise<unknown> {
    return Promise.reject(engineDisabledError(this.configFile));
  }

  deleteTrigger(): Promise<void> {
    return Promise.reject(engineDisabledError(this.configFile));
  }

  enableTrigger(): Promise<void> {
    return Promise.reject(engineDisabledError(this.configFile));
  }

  disableTrigger(): Promise<void> {
    return Promise.reject(engineDisabledError(this.configFile));
  }

  refreshRemotePlugins(): Promise<RefreshedPlugin[]> {
    return Promise.reject(engineDisabledError(this.configFile));
  }

  runRequestTrigger(): Promise<never> {
    return Promise.reject(engineDisabledError(this.configFile));
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
    return Promise.reject(engineDisabledError(this.configFile));
  }

  testSchedule(): Promise<never> {
    return Promise.reject(engineDisabledError(this.configFile));
  }
}
