import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Registry } from 'prom-client';
import { uuidV7 } from '../../shared/uuid-v7.js';

export interface ServerInfo {
  version: string;
  revision: string;
}

// Upstream's product name and build, as /ping and its headers report them.
export const PRODUCT_NAME = 'InfluxDB 3 Core';
export const BUILD_NAME = 'Core';

// One id per server process, as upstream's /ping `process_id` (a UUID, not the OS pid).
const PROCESS_ID = randomUUID();

// /health and /api/v1/health, /ping and /metrics.
export function registerHealthRoutes(router: Router, deps: { registry: Registry; info: ServerInfo }): void {
  const health = (ctx: Context): void => {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'OK';
  };
  router.get('/health', health);
  router.get('/api/v1/health', health);
  const ping = (ctx: Context): void => {
    // InfluxDB 1.x clients read the version from these headers; 1.x used time-based request ids.
    const requestId = uuidV7();
    ctx.set('Request-Id', requestId);
    ctx.set('X-Request-Id', requestId);
    ctx.set('X-Influxdb-Build', BUILD_NAME);
    ctx.set('X-Influxdb-Version', deps.info.version);
    ctx.type = 'application/json';
    ctx.body = `${JSON.stringify({ product_name: PRODUCT_NAME, version: deps.info.version, revision: deps.info.revision, process_id: PROCESS_ID })}\n`;
  };
  router.get('/ping', ping);
  router.post('/ping', ping);
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.registry.contentType;
    ctx.body = await deps.registry.metrics();
  });
}
