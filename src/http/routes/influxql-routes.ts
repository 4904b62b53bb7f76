import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError, badRequest } from '../../shared/app-error.js';
import type { StorageEngine } from '../../storage/storage-engine.js';
import { formatResult, parseFormat } from '../formats/format-result.js';
import { flattenResult, runInfluxql, singleStatement } from '../../storage/query/influxql/influxql-engine.js';
import { storageHost } from '../../storage/query/influxql/storage-host.js';
import type { InfluxqlHost } from '../../storage/query/influxql/host.js';
import { touchesDatabase } from '../../auth/permissions.js';
import type { AuthState } from '../auth/auth-middleware.js';
import type { BindParams } from '../../storage/query/influxql/parser.js';
import { parseEpoch, renderV1 } from '../formats/v1-format.js';
import { boolParam, readBody, readJson, stringParam } from '../middleware/body.js';
import { errorStyle } from '../middleware/error-mapper.js';
import { jsonObjectParam } from '../middleware/params.js';
import { influxqlRows, trackQuery } from './query-tracking.js';

interface Deps {
  storage: StorageEngine;
  maxBodyBytes: number;
}

/**
 * Query string and body together: v1 clients send `q` in a form body with `db` in the URL,
 * v3 clients a JSON body. The body wins where both name a parameter.
 */
async function requestFields(ctx: Context, limit: number): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = { ...(ctx.query as Record<string, unknown>) };
  if (ctx.method !== 'POST') return fields;
  const type = (ctx.get('content-type') || '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data' || type === 'text/plain' || type === '') {
    const body = (await readBody(ctx, limit)).toString('utf8');
    if (type !== 'text/plain') for (const [k, v] of new URLSearchParams(body)) fields[k] = v;
    else if (body.trim() !== '') fields.q = body;
    return fields;
  }
  return { ...fields, ...(await readJson(ctx, limit)) };
}

function bindParams(raw: unknown): BindParams | undefined {
  return jsonObjectParam(raw, {
    invalidJson: (text) => `error parsing query parameters: invalid JSON '${text}'`,
    notObject: () => 'error parsing query parameters: expected a JSON object',
  }) as BindParams | undefined;
}

// SHOW DATABASES lists only the databases a non-admin token may touch.
function scoped(host: InfluxqlHost, ctx: Context): InfluxqlHost {
  const auth = ctx.state.auth as AuthState | undefined;
  if (!auth || auth.admin || !auth.token) return host;
  const permissions = auth.token.permissions;
  return { ...host, databases: () => host.databases().filter((db) => touchesDatabase(permissions, db)) };
}

// GET|POST /api/v3/query_influxql (query_sql's formats) and the InfluxDB 1.x compatible GET|POST /query.
export function registerInfluxqlRoutes(router: Router, deps: Deps): void {
  const host = storageHost(deps.storage);

  const v3 = async (ctx: Context): Promise<void> => {
    const fields = await requestFields(ctx, deps.maxBodyBytes);
    const q = stringParam(fields, 'q', true);
    const db = stringParam(fields, 'db');
    const format = parseFormat(stringParam(fields, 'format'), ctx.get('accept'));
    if (format === 'parquet') throw new AppError('invalid_format', 'InfluxQL: the parquet format is not supported for InfluxQL queries; use json, jsonl, csv or pretty', { status: 400 });
    const results = await trackQuery(ctx, deps.storage, { type: 'influxql', text: q, database: db ?? '' }, () =>
      runInfluxql(host, q, { db, params: bindParams(fields.params), throwErrors: true }), influxqlRows);
    const out = formatResult(flattenResult(singleStatement(results)), format);
    ctx.status = 200;
    ctx.type = out.contentType;
    ctx.body = out.body;
  };
  router.get('/api/v3/query_influxql', v3);
  router.post('/api/v3/query_influxql', v3);

  const v1 = async (ctx: Context): Promise<void> => {
    const fields = await requestFields(ctx, deps.maxBodyBytes);
    const q = stringParam(fields, 'q');
    if (q === undefined) throw badRequest('missing required parameter "q"');
    const epoch = parseEpoch(stringParam(fields, 'epoch'));
    const pretty = boolParam(fields, 'pretty', false);
    const db = stringParam(fields, 'db');
    const results = await trackQuery(ctx, deps.storage, { type: 'influxql', text: q, database: db ?? '' }, () =>
      runInfluxql(scoped(host, ctx), q, { db, params: bindParams(fields.params) }), influxqlRows);
    ctx.status = 200;
    ctx.type = 'application/json';
    ctx.body = renderV1(results, epoch, pretty);
  };
  router.get('/query', errorStyle('v1'), v1);
  router.post('/query', errorStyle('v1'), v1);
}
