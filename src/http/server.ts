import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { Logger } from '../shared/logger.js';
import { HttpMetrics } from './http-metrics.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import type { DatabaseAdmin } from '../storage/database-admin.js';
import { errorMapper } from './middleware/error-mapper.js';
import { registerWriteRoutes } from './routes/write-routes.js';
import { registerQueryRoutes, type RemoteSql } from './routes/query-routes.js';
import { registerDatabaseRoutes } from './routes/database-routes.js';
import { registerHealthRoutes, type ServerInfo } from './routes/health-routes.js';
import { consoleMiddleware } from './routes/ui-routes.js';
import type { GrpcHandler } from './grpc-handler.js';
import { ApiListener } from './listener.js';
import type { TlsSettings } from './tls-files.js';

// Koa sends an object body as JSON without a final newline; every JSON body here ends with one (so curl's output is
// not glued to the shell prompt).
function endJsonWithNewline(ctx: Koa.Context): void {
  const body: unknown = ctx.body;
  if (body === null || typeof body !== 'object' || ArrayBuffer.isView(body) || typeof (body as { pipe?: unknown }).pipe === 'function') return;
  ctx.body = `${JSON.stringify(body)}\n`;
  ctx.type = 'application/json';
}

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
  // --tls-cert/--tls-key: the port speaks TLS (ALPN h2 → gRPC, http/1.1 → this app).
  tls?: TlsSettings | null;
  // The gRPC edge, served over HTTP/2 on the same port (src/http/listener.ts).
  grpc?: GrpcHandler;
  // The web console at /ui/ (open: its files hold no data); false with --disable-ui.
  ui?: boolean;
  // Process nodes: /api/v3/query_sql of the upstream's tables is answered by the upstream.
  remoteSql?: RemoteSql;
}

// The HTTP API: a koa app with one error mapper, CORS (preflight, and `Access-Control-Allow-Origin: *` everywhere), and InfluxDB's 404 for unknown routes.
export class HttpServer {
  private listener: ApiListener | null = null;
  readonly app = new Koa();
  // Every route, for introspection (the auth sweep test walks router.stack).
  readonly router = new Router();

  constructor(private readonly deps: HttpDeps) {
    const { app } = this;
    app.proxy = false;
    app.silent = true;
    app.use(new HttpMetrics(deps.registry).middleware());
    app.use(async (ctx, next) => {
      ctx.set('cluster-uuid', deps.clusterUuid());
      // As upstream: browsers may read every answer, errors included (the API is token-authenticated, not cookie).
      ctx.set('Access-Control-Allow-Origin', '*');
      if (ctx.method === 'OPTIONS') {
        ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
        ctx.set('Access-Control-Allow-Headers', '*');
        ctx.set('Access-Control-Max-Age', '86400');
        ctx.status = 204;
        return;
      }
      await next();
      endJsonWithNewline(ctx);
    });
    app.use(errorMapper(deps.logger));
    // Before the auth middleware that `extend` adds: the console's static files need no token.
    if (deps.ui) app.use(consoleMiddleware());
    const { router } = this;
    const common = { storage: deps.storage, maxBodyBytes: deps.maxBodyBytes };
    registerHealthRoutes(router, { registry: deps.registry, info: deps.info });
    registerWriteRoutes(router, common);
    registerQueryRoutes(router, { ...common, remoteSql: deps.remoteSql });
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
    const listener = new ApiListener({
      http1: this.app.callback(),
      grpc: this.deps.grpc,
      tls: this.deps.tls ?? null,
      logger: this.deps.logger,
      maxBodyBytes: this.deps.maxBodyBytes,
      headersTimeoutMs: this.deps.headersTimeoutMs,
      requestTimeoutMs: this.deps.requestTimeoutMs,
    });
    const address = await listener.start(host, port);
    this.listener = listener;
    return address;
  }

  // SIGHUP: re-read the TLS certificate and key; false when TLS is off or the new files are unusable.
  reloadTls(): boolean {
    return this.listener?.reloadTls() ?? false;
  }

  async stop(): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    this.listener = null;
    await listener.stop();
  }
}
