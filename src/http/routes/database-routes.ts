import type Router from '@koa/router';
import { badRequest } from '../../shared/app-error.js';
import { parseRetention, type DatabaseAdmin } from '../../storage/database-admin.js';
import type { StorageEngine } from '../../storage/storage-engine.js';
import { formatResult, parseFormat } from '../formats/format-result.js';
import { boolParam, readJson, readParams, stringParam } from '../middleware/body.js';

interface Deps {
  storage: StorageEngine;
  admin: DatabaseAdmin;
  maxBodyBytes: number;
}

// /api/v3/configure/database (and its /retention_period) and /table: create, list, update retention, soft and hard delete.
export function registerDatabaseRoutes(router: Router, deps: Deps): void {
  const { admin, storage } = deps;
  router.get('/api/v3/configure/database', async (ctx) => {
    const q = ctx.query as Record<string, unknown>;
    const format = parseFormat(stringParam(q, 'format') ?? 'json', undefined);
    if (format === 'parquet') throw badRequest("format 'parquet' is not available for the database list; use json, jsonl, csv or pretty");
    const showDeleted = boolParam(q, 'show_deleted', false);
    const dbs = storage.databases(showDeleted);
    const result = showDeleted
      ? { columns: [{ name: 'iox::database', type: 'Utf8' }, { name: 'deleted', type: 'Boolean' }], rows: dbs.map((d) => [d.name, d.deleted]) }
      : { columns: [{ name: 'iox::database', type: 'Utf8' }], rows: dbs.map((d) => [d.name]) };
    const out = formatResult(result, format);
    ctx.type = out.contentType;
    ctx.body = out.body;
  });
  router.post('/api/v3/configure/database', async (ctx) => {
    const body = await readJson(ctx, deps.maxBodyBytes);
    await admin.createDatabase(stringParam(body, 'db', true), stringParam(body, 'retention_period'));
    ctx.status = 200;
    ctx.body = '';
  });
  router.put('/api/v3/configure/database', async (ctx) => {
    const body = await readJson(ctx, deps.maxBodyBytes);
    admin.updateDatabase(stringParam(body, 'db', true), stringParam(body, 'retention_period') ?? null);
    ctx.status = 200;
    ctx.body = '';
  });
  router.delete('/api/v3/configure/database', async (ctx) => {
    const p = await readParams(ctx, deps.maxBodyBytes);
    await admin.deleteDatabase(stringParam(p, 'db', true), stringParam(p, 'hard_delete_at'));
    ctx.status = 200;
    ctx.body = '';
  });
  // Upstream's retention endpoints: parameters in the query string only, 204 on success.
  router.post('/api/v3/configure/database/retention_period', (ctx) => {
    const q = ctx.query as Record<string, unknown>;
    const db = stringParam(q, 'db', true);
    const duration = stringParam(q, 'duration', true);
    if (parseRetention(duration) === null) throw badRequest(`invalid duration '${duration}': expected a duration such as 30d, 12h or 1w`);
    admin.updateDatabase(db, duration);
    ctx.status = 204;
  });
  router.delete('/api/v3/configure/database/retention_period', (ctx) => {
    admin.updateDatabase(stringParam(ctx.query as Record<string, unknown>, 'db', true), null);
    ctx.status = 204;
  });
  router.post('/api/v3/configure/table', async (ctx) => {
    const body = await readJson(ctx, deps.maxBodyBytes);
    await admin.createTable(stringParam(body, 'db', true), stringParam(body, 'table', true), body.tags ?? [], body.fields);
    ctx.status = 200;
    ctx.body = '';
  });
  router.delete('/api/v3/configure/table', async (ctx) => {
    const p = await readParams(ctx, deps.maxBodyBytes);
    await admin.deleteTable(stringParam(p, 'db', true), stringParam(p, 'table', true), stringParam(p, 'hard_delete_at'));
    ctx.status = 200;
    ctx.body = '';
  });
}
