import type Router from '@koa/router';
import type { Context } from 'koa';
import { badRequest } from '../../shared/app-error.js';
import type { QueryResult } from '../../storage/query/query-result.js';
import type { StorageEngine } from '../../storage/storage-engine.js';
import { CONTENT_TYPES, formatResult, parseFormat } from '../formats/format-result.js';
import { readJson, stringParam } from '../middleware/body.js';
import { registerInfluxqlRoutes } from './influxql-routes.js';
import { jsonObjectParam } from '../middleware/params.js';
import { trackQuery } from './query-tracking.js';

// Process nodes: the query run by the upstream, or null when the node answers it (its own system tables).
export type RemoteSql = (database: string, sql: string, params: Params | undefined) => (() => Promise<QueryResult>) | null;

interface Deps {
  storage: StorageEngine;
  maxBodyBytes: number;
  remoteSql?: RemoteSql;
}

type Params = Record<string, string | number | boolean | null>;

function parseParams(raw: unknown): Params | undefined {
  const value = jsonObjectParam(raw, {
    invalidJson: (text) => `invalid params '${text}': expected a JSON object such as {"host":"a"}`,
    notObject: (given) => `invalid params ${JSON.stringify(given)}: expected a JSON object`,
  });
  if (value === undefined) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
      throw badRequest(`invalid value for query parameter '${k}': ${JSON.stringify(v)}`);
    }
  }
  return value as Params;
}

async function requestFields(ctx: Context, deps: Deps): Promise<Record<string, unknown>> {
  return ctx.method === 'GET' ? (ctx.query as Record<string, unknown>) : readJson(ctx, deps.maxBodyBytes, { anyType: true });
}

// GET|POST /api/v3/query_sql in every output format; InfluxQL (v3 and v1 /query) lives in influxql-routes.
export function registerQueryRoutes(router: Router, deps: Deps): void {
  const sql = async (ctx: Context): Promise<void> => {
    const fields = await requestFields(ctx, deps);
    const db = stringParam(fields, 'db', true);
    const q = stringParam(fields, 'q', true);
    const format = parseFormat(stringParam(fields, 'format'), ctx.get('accept'));
    const params = parseParams(fields.params);
    const logged = { type: 'sql', text: q, database: db } as const;
    if (format === 'parquet') {
      ctx.body = await trackQuery(ctx, deps.storage, logged, () => deps.storage.queryParquet(db, q, params));
      ctx.type = CONTENT_TYPES.parquet;
      return;
    }
    const remote = deps.remoteSql?.(db, q, params) ?? null;
    const result = await trackQuery(ctx, deps.storage, logged, remote ?? (() => deps.storage.query(db, q, params)), (r) => r.rows.length);
    const out = formatResult(result, format);
    ctx.status = 200;
    ctx.type = out.contentType;
    ctx.body = out.body;
  };
  router.get('/api/v3/query_sql', sql);
  router.post('/api/v3/query_sql', sql);
  registerInfluxqlRoutes(router, deps);
}
