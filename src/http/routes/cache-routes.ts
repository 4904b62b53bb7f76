import type Router from '@koa/router';
import type { DistinctCacheDefinition, LastCacheDefinition } from '../../storage/catalog/catalog-resources.js';
import { readJson, readParams, stringParam } from '../middleware/body.js';

// What the routes need from storage (StorageEngine.caches provides it).
export interface CacheApi {
  createLastCache(db: string, table: string, body: Record<string, unknown>): Promise<LastCacheDefinition>;
  createDistinctCache(db: string, table: string, body: Record<string, unknown>): Promise<DistinctCacheDefinition>;
  createdBatch(def: LastCacheDefinition | DistinctCacheDefinition): string;
  deleteLastCache(db: string, table: string, name: string): void;
  deleteDistinctCache(db: string, table: string, name: string): void;
}

interface Deps {
  caches: CacheApi;
  maxBodyBytes: number;
}

// /api/v3/configure/last_cache and /distinct_cache: create → 201 with upstream's catalog batch, delete → 200.
export function registerCacheRoutes(router: Router, deps: Deps): void {
  const { caches } = deps;
  router.post('/api/v3/configure/last_cache', async (ctx) => {
    const body = await readJson(ctx, deps.maxBodyBytes);
    const def = await caches.createLastCache(stringParam(body, 'db', true), stringParam(body, 'table', true), body);
    ctx.status = 201;
    ctx.type = 'application/json';
    ctx.body = `${caches.createdBatch(def)}\n`;
  });
  router.delete('/api/v3/configure/last_cache', async (ctx) => {
    const p = await readParams(ctx, deps.maxBodyBytes);
    caches.deleteLastCache(stringParam(p, 'db', true), stringParam(p, 'table', true), stringParam(p, 'name', true));
    ctx.status = 200;
    ctx.body = '';
  });
  router.post('/api/v3/configure/distinct_cache', async (ctx) => {
    const body = await readJson(ctx, deps.maxBodyBytes);
    const def = await caches.createDistinctCache(stringParam(body, 'db', true), stringParam(body, 'table', true), body);
    ctx.status = 201;
    ctx.type = 'application/json';
    ctx.body = `${caches.createdBatch(def)}\n`;
  });
  router.delete('/api/v3/configure/distinct_cache', async (ctx) => {
    const p = await readParams(ctx, deps.maxBodyBytes);
    caches.deleteDistinctCache(stringParam(p, 'db', true), stringParam(p, 'table', true), stringParam(p, 'name', true));
    ctx.status = 200;
    ctx.body = '';
  });
}
