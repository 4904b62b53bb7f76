import type Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { ServeConfig } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import type { SystemTableRegistry } from '../storage/query/system-table-registry.js';

export interface ProcessingEngineDeps {
  config: ServeConfig;
  storage: StorageEngine;
  logger: Logger;
  registry: Registry;
  systemTables: SystemTableRegistry;
}

// Facade of the Processing Engine: owns the Python environment, runners, dry runs and (later) triggers.
export class ProcessingEngine {
  constructor(private readonly deps: ProcessingEngineDeps) {}

  get enabled(): boolean {
    return this.deps.config.pluginDir !== null;
  }

  async start(): Promise<void> {
    if (!this.enabled) this.deps.logger.info('processing engine disabled: no --plugin-dir');
  }

  async stop(): Promise<void> {}

  registerRoutes(_router: Router): void {}
}
