import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { ServeConfig } from './config/schema.js';
import type { Logger } from './shared/logger.js';
import { StorageEngine } from './storage/storage-engine.js';
import { StorageMetrics } from './storage/storage-metrics.js';
import { DatabaseAdmin } from './storage/database-admin.js';
import { HttpServer } from './http/server.js';
import { loadTlsMaterial } from './http/tls-files.js';
import { packageVersion } from './shared/version.js';
import { gitRevision } from './shared/build-info.js';
import { SystemTableRegistry } from './storage/query/system-table-registry.js';
import { DisabledEngine } from './engine/disabled-engine.js';
import { ProcessingEngine, type Engine } from './engine/processing-engine.js';
import { registerPluginTestRoutes } from './http/routes/plugin-test-routes.js';
import { registerTriggerRoutes } from './http/routes/trigger-routes.js';
import { registerPackageRoutes } from './http/routes/package-routes.js';
import { registerPluginFileRoutes } from './http/routes/plugin-file-routes.js';
import { registerCacheRoutes } from './http/routes/cache-routes.js';
import { TokenStore } from './auth/token-store.js';
import { TOKEN_SYSTEM_TABLES, tokenSystemTable } from './auth/token-system-table.js';
import { readAdminTokenFile } from './auth/admin-token-file.js';
import { authMiddleware } from './http/auth/auth-middleware.js';
import { registerTokenRoutes } from './http/routes/token-routes.js';
import { createFlightHandler } from './flight/index.js';
import { AdminTokenRecoveryListener } from './http/admin-token-recovery.js';
import { UpstreamLink } from './upstream/upstream-link.js';
import { UpstreamQuerySource } from './upstream/upstream-query-source.js';
import { WriteGatewayNode } from './upstream/write-gateway-node.js';

// The composition root: config → storage → engine → http; stopped in reverse order.
export class App {
  readonly storage: StorageEngine;
  readonly admin: DatabaseAdmin;
  readonly http: HttpServer;
  readonly engine: Engine;
  readonly tokens: TokenStore;
  readonly systemTables = new SystemTableRegistry();
  readonly registry = new Registry();
  address: AddressInfo | null = null;
  recovery: AdminTokenRecoveryListener | null = null;
  recoveryAddress: AddressInfo | null = null;
  // Process nodes (--mode process): the user's InfluxDB that stores the data.
  readonly upstream: UpstreamLink | null;
  // Process nodes: where plugin queries go (the upstream; the node's system tables stay local).
  private readonly upstreamQueries: UpstreamQuerySource | null;
  // Process nodes: forwards every acknowledged write to the upstream (docs/scale-out.md).
  readonly writeGateway: WriteGatewayNode | null;

  constructor(readonly config: ServeConfig, private readonly logger: Logger) {
    collectDefaultMetrics({ register: this.registry });
    this.upstream = config.upstream ? new UpstreamLink(config.upstream, logger.child({ component: 'upstream' })) : null;
    this.storage = new StorageEngine({
      objectStore: config.objectStore,
      dataDir: config.dataDir,
      walFlushIntervalMs: config.walFlushIntervalMs,
      logger: logger.child({ component: 'storage' }),
      metrics: new StorageMetrics(this.registry),
      systemTables: this.systemTables.provide,
      systemTableNames: this.systemTables.names,
      maxConcurrentQueries: config.maxConcurrentQueries,
      queryLogSize: config.queryLogSize,
      duckdbMemoryLimitBytes: config.duckdbMemoryLimitBytes,
      duckdbThreads: config.duckdbThreads,
    });
    this.admin = new DatabaseAdmin(this.storage, {
      logger: logger.child({ component: 'admin' }),
      sweepIntervalMs: config.retentionCheckIntervalMs,
      hardDeleteDefaultMs: config.hardDeleteDefaultMs,
      deleteGraceMs: config.deleteGracePeriodMs,
    });
    this.storage.beforeQuery = (db) => this.admin.enforceRetention(db);
    this.upstreamQueries = this.upstream ? new UpstreamQuerySource(this.upstream, this.storage) : null;
    this.writeGateway = this.upstream
      ? new WriteGatewayNode({ config, link: this.upstream, storage: this.storage, registry: this.registry, systemTables: this.systemTables, logger: logger.child({ component: 'upstream' }) })
      : null;
    const engineDeps = {
      config,
      storage: this.storage,
      pluginQueries: this.upstreamQueries ?? undefined,
      logger: logger.child({ component: 'engine' }),
      registry: this.registry,
      systemTables: this.systemTables,
    };
    // Without --plugin-dir a stand-in answers every plugin operation with the engine-disabled error.
    this.engine = config.pluginDir === null ? new DisabledEngine(engineDeps) : new ProcessingEngine(engineDeps);
    this.tokens = new TokenStore({ catalog: this.storage, logger: logger.child({ component: 'auth' }) });
    this.systemTables.add(tokenSystemTable(() => this.tokens.list()), TOKEN_SYSTEM_TABLES);
    this.admin.onDatabaseDeleted.push((db) => void this.engine.databaseDeleted(db));
    this.admin.onDatabaseRemoved.push((db) => void this.engine.databaseRemoved(db));
    this.http = new HttpServer({
      storage: this.storage,
      admin: this.admin,
      logger: logger.child({ component: 'http' }),
      registry: this.registry,
      info: { version: packageVersion(), revision: gitRevision() },
      maxBodyBytes: config.maxHttpRequestSize,
      clusterUuid: () => this.storage.catalogUuid,
      headersTimeoutMs: config.httpHeadersTimeoutMs,
      requestTimeoutMs: config.httpRequestTimeoutMs,
      tls: config.tls,
      ui: !config.disableUi,
      remoteSql: this.upstreamQueries ? (db, sql, params) => this.upstreamQueries!.remoteQuery(db, sql, params) : undefined,
      // Arrow Flight and Flight SQL share the port: the listener hands every gRPC request on HTTP/2 to this.
      grpc: createFlightHandler({
        storage: this.storage,
        tokens: this.tokens,
        withoutAuth: config.withoutAuth,
        logger,
        registry: this.registry,
        maxMessageBytes: config.maxHttpRequestSize,
      }),
      extend: (router, app) => {
        // Before any route: every request is authenticated and authorised here (src/http/auth).
        app.use(authMiddleware({
          tokens: this.tokens,
          withoutAuth: config.withoutAuth,
          disableAuthz: config.disableAuthz,
          maxBodyBytes: config.maxHttpRequestSize,
          requestTriggerDatabase: (path) => this.engine.requestTriggerDatabase(path),
        }));
        registerTokenRoutes(router, { tokens: this.tokens, withoutAuth: config.withoutAuth, maxBodyBytes: config.maxHttpRequestSize });
        registerPluginTestRoutes(router, { engine: this.engine, maxBodyBytes: config.maxHttpRequestSize });
        registerCacheRoutes(router, { caches: this.storage.caches, maxBodyBytes: config.maxHttpRequestSize });
        registerTriggerRoutes(router, { engine: this.engine, maxBodyBytes: config.maxHttpRequestSize });
        registerPackageRoutes(router, { installer: this.engine.packages, maxBodyBytes: config.maxHttpRequestSize, logger: this.logger });
        registerPluginFileRoutes(router, {
          files: this.engine.pluginFiles,
          pluginOfTrigger: (db, name) => this.engine.pluginOfTrigger(db, name),
          maxBodyBytes: config.maxHttpRequestSize,
        });
      },
    });
  }

  async start(): Promise<AddressInfo> {
    for (const w of this.config.warnings) this.logger.warn(w);
    if (this.config.withoutAuth) {
      this.logger.warn('AUTHENTICATION IS DISABLED (--without-auth): anyone who can reach this port can read, write and delete data');
    }
    // Unusable TLS files stop the start before anything is opened.
    const tls = this.config.tls ? loadTlsMaterial(this.config.tls) : null;
    await this.storage.start();
    this.upstream?.start();
    await this.writeGateway?.start();
    this.tokens.load();
    await this.preloadAdminToken();
    await this.engine.start();
    // After the engine: a hard delete that fell due while the server was down removes the database's triggers too.
    await this.admin.start();
    this.address = await this.http.start(this.config.httpHost, this.config.httpPort);
    const recovery = this.config.adminTokenRecovery;
    if (recovery) {
      this.recovery = new AdminTokenRecoveryListener({ regenerate: () => this.tokens.regenerateOperatorToken(null), logger: this.logger.child({ component: 'auth' }), tls });
      this.recoveryAddress = await this.recovery.start(recovery.host, recovery.port);
    }
    this.logger.info({ address: `${this.address.address}:${this.address.port}`, tls: this.config.tls !== null, objectStore: this.config.objectStore, dataDir: this.config.dataDir }, 'influxdb3-engine listening');
    return this.address;
  }

  // --admin-token-file: the token is added when the server has no admin token yet (upstream's rule).
  private async preloadAdminToken(): Promise<void> {
    const path = this.config.adminTokenFile;
    if (path) {
      const file = await readAdminTokenFile(path, (message) => this.logger.warn(message));
      const outcome = this.tokens.importAdminToken(file.token, file.name, file.expiryMillis);
      if (outcome === 'ignored') this.logger.warn({ path }, 'admin token file ignored: this server already has an admin token');
      else this.logger.info({ path, name: file.name, outcome }, 'admin token file loaded');
    }
    if (!this.config.withoutAuth && !this.tokens.hasAdminToken()) {
      this.logger.warn('authentication is on and there is no admin token yet: create one with `influxdb3 create token --admin`');
    }
  }

  // SIGHUP: renewed certificates without a restart.
  reloadTls(): boolean {
    return this.http.reloadTls();
  }

  async stop(): Promise<void> {
    this.logger.info('shutting down');
    await this.recovery?.stop();
    await this.http.stop();
    await this.engine.stop();
    await this.admin.stop();
    await this.writeGateway?.stop();
    await this.storage.stop();
    this.upstreamQueries?.stop();
    this.upstream?.stop();
    this.logger.info('stopped');
  }
}
