import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { ServeConfig } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import { systemClock } from '../shared/clock.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import type { SystemTableRegistry } from '../storage/query/system-table-registry.js';
import { ForwardCursor } from './forward-cursor.js';
import { Forwarder } from './forwarder.js';
import { registerForwardMetrics } from './forward-metrics.js';
import { FORWARDING_SYSTEM_TABLES, forwardingSystemTable } from './forwarding-system-table.js';
import { LocalWindow } from './local-window.js';
import type { UpstreamLink } from './upstream-link.js';

export interface WriteGatewayDeps {
  config: ServeConfig;
  link: UpstreamLink;
  storage: StorageEngine;
  registry: Registry;
  systemTables: SystemTableRegistry;
  logger: Logger;
}

// A process node's write side, put together in one place for app.ts: the forwarder (installed as storage's write
// gateway before storage starts), its metrics and system table, and the local window of table data.
export class WriteGatewayNode {
  readonly forwarder: Forwarder;
  private readonly window: LocalWindow;

  constructor(deps: WriteGatewayDeps) {
    const { config, link, storage, logger } = deps;
    const upstream = config.upstream!;
    if (config.objectStore !== 'file') {
      logger.warn('a process node without --object-store file has no WAL: its writes are not forwarded to the upstream');
    }
    const cursorFile = config.objectStore === 'file' && config.dataDir ? join(config.dataDir, 'upstream', 'forward-cursor.json') : null;
    this.forwarder = new Forwarder({
      link,
      storage,
      cursor: new ForwardCursor(cursorFile, logger.child({ part: 'forward-cursor' })),
      maxBacklogBytes: upstream.maxBacklogBytes,
      logger: logger.child({ part: 'forwarder' }),
    });
    storage.gateway = this.forwarder;
    this.window = new LocalWindow({ link, storage, retentionMs: upstream.localRetentionMs, logger: logger.child({ part: 'local-window' }) });
    const status = (): ReturnType<Forwarder['status']> => this.forwarder.status();
    registerForwardMetrics(deps.registry, status, systemClock.nowNs);
    deps.systemTables.add(forwardingSystemTable(status, systemClock.nowNs), FORWARDING_SYSTEM_TABLES);
  }

  // After storage started, before the node takes writes.
  async start(): Promise<void> {
    await this.forwarder.start();
    this.window.start();
  }

  async stop(): Promise<void> {
    await this.window.stop();
    await this.forwarder.stop();
  }
}
