import type Router from '@koa/router';
import type { Registry } from 'prom-client';

export interface ServerInfo {
  version: string;
  revision: string;
}

// /health, /ping and /metrics.
export function registerHealthRoutes(router: Router, deps: { registry: Registry; info: ServerInfo }): void {
  router.get('/health', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = 'OK';
  });
  const ping = (ctx: import('koa').Context): void => {
    ctx.body = {
      version: deps.info.version,
      revision: deps.info.revision,
      process_id: String(process.pid),
      product_name: 'InfluxDB 3 Core (influxdb3-engine)',
    };
  };
  router.get('/ping', ping);
  router.post('/ping', ping);
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.registry.contentType;
    ctx.body = await deps.registry.metrics();
  });
}
