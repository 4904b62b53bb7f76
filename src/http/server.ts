import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { Logger } from '../shared/logger.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import type { DatabaseAdmin } from '../storage/database-admin.js';
import { errorMapper } from './middleware/error-mapper.js';
import { registerWriteRoutes } from './routes/write-routes.js';
import { registerQueryRoutes } from './routes/query-routes.js';
import { registerDatabaseRoutes } from './routes/database-routes.js';
import { registerHealthRoutes, type ServerInfo } from './routes/health-routes.js';

export interface HttpDeps {
  storage: StorageEngine;
  admin: DatabaseAdmin;
  logger: Logger;
  registry: Registry;
  info: ServerInfo;
  maxBodyBytes: number;
  clusterUuid: () => string;
  // Later layers (engine, auth) add their routes and middleware here.
  extend?: (router: Router, app: Koa) => void;
  // Slow clients: headers must arrive within headersTimeoutMs, the whole request within requestTimeoutMs (408).
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

// The HTTP API: a koa app with one error mapper, CORS for OPTIONS, and InfluxDB's 404 for unknown routes.
export class HttpServer {
  private server: Server | null = null;
  readonly app = new Koa();
  // Every route, for introspection (the auth sweep test walks router.stack).
  readonly router = new Router();

  constructor(private readonly deps: HttpDeps) {
    const { app } = this;
    app.proxy = false;
    app.silent = true;
    app.use(async (ctx, next) => {
      ctx.set('cluster-uuid', deps.clusterUuid());
      if (ctx.method === 'OPTIONS') {
        ctx.set('Access-Control-Allow-Origin', '*');
        ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
        ctx.set('Access-Control-Allow-Headers', '*');
        ctx.set('Access-Control-Max-Age', '86400');
        ctx.status = 204;
        return;
      }
      await next();
    });
    app.use(errorMapper(deps.logger));
    const { router } = this;
    const common = { storage: deps.storage, maxBodyBytes: deps.maxBodyBytes };
    registerHealthRoutes(router, { registry: deps.registry, info: deps.info });
    registerWriteRoutes(router, common);
    registerQueryRoutes(router, common);
    registerDatabaseRoutes(router, { ...common, admin: deps.admin });
    deps.extend?.(router, app);
    app.use(router.routes());
    app.use(async (ctx) => {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'Not found';
    });
  }

  async start(host: string, port: number): Promise<AddressInfo> {
    const headersTimeout = this.deps.headersTimeoutMs ?? 60_000;
    const requestTimeout = Math.max(this.deps.requestTimeoutMs ?? 300_000, headersTimeout);
    // Node checks both timeouts every connectionsCheckingInterval (30 s by default): tighter for short limits.
    const server = createServer({ connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 4))) }, this.app.callback());
    server.headersTimeout = headersTimeout;
    server.requestTimeout = requestTimeout;
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2000).unref();
    });
  }
}
