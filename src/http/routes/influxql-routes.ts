import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError, badRequest } from '../../shared/app-error.js';
import type { StorageEngine } from '../../storage/storage-engine.js';
import { formatResult, parseFormat } from '../formats/format-result.js';
import { flattenResult, runInfluxql, singleStatement } from '../../storage/query/influxql/influxql-engine.js';
import { storageHost } from '../../storage/query/influxql/storage-host.js';
import type { InfluxqlHost, StatementResult } from '../../storage/query/influxql/host.js';
import { touchesDatabase } from '../../auth/permissions.js';
import type { AuthState } from '../auth/auth-middleware.js';
import type { BindParams } from '../../storage/query/influxql/parser.js';
import { parseEpoch } from '../formats/v1-format.js';
import { encodeV1, encodeV1Csv, parseChunkSize, V1_CONTENT_TYPES, v1Format, v1Responses } from '../formats/v1-responses.js';
import { multipartFields } from '../middleware/multipart.js';
import { boolParam, readBody, readJson, stringParam } from '../middleware/body.js';
import { errorStyle } from '../middleware/error-mapper.js';
import { jsonObjectParam } from '../middleware/params.js';
import { influxqlRows, trackQuery } from './query-tracking.js';

interface Deps {
  storage: StorageEngine;
  maxBodyBytes: number;
}

function mimeType(ctx: Context): string {
  return (ctx.get('content-type') || '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Query string and body together, the body winning where both name a parameter. v1 clients send `q` in a form or
 * multipart body with `db` in the URL, or the bare statement (`application/vnd.influxql`, or untyped, as upstream;
 * text/plain too); v3 clients send JSON, which is read whatever the Content-Type says (as upstream).
 */
async function requestFields(ctx: Context, limit: number, api: 'v1' | 'v3'): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = { ...(ctx.query as Record<string, unknown>) };
  if (ctx.method !== 'POST') return fields;
  const type = mimeType(ctx);
  if (type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams((await readBody(ctx, limit)).toString('utf8'))) fields[k] = v;
    return fields;
  }
  if (type === 'multipart/form-data') {
    for (const [k, v] of await multipartFields(await readBody(ctx, limit), ctx.get('content-type'))) fields[k] = v;
    return fields;
  }
  if (api === 'v1' && type !== 'application/json') {
    const body = (await readBody(ctx, limit)).toString('utf8');
    if (body.trim() !== '' && stringParam(fields, 'q') === undefined) fields.q = body;
    return fields;
  }
  return { ...fields, ...(await readJson(ctx, limit, { anyType: true })) };
}

// As 1.x and upstream: a statement that does not parse (or uses what this server lacks) is the statement's error in
// a 200 answer, not a failed request.
function statementError(err: unknown): StatementResult[] {
  if (err instanceof AppError && (err.code === 'influxql_parse_error' || err.code === 'influxql_unsupported')) {
    return [{ statementId: 0, series: [], error: err.message, timeColumn: false }];
  }
  throw err;
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
    const fields = await requestFields(ctx, deps.maxBodyBytes, 'v3');
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
    const fields = await requestFields(ctx, deps.maxBodyBytes, 'v1');
    const q = stringParam(fields, 'q');
    if (q === undefined) throw badRequest('missing required parameter "q"');
    const epoch = parseEpoch(stringParam(fields, 'epoch'));
    const pretty = boolParam(fields, 'pretty', false);
    const chunkSize = boolParam(fields, 'chunked', false) ? parseChunkSize(stringParam(fields, 'chunk_size')) : undefined;
    const format = v1Format(ctx.get('accept'));
    const db = stringParam(fields, 'db');
    const results = await trackQuery(ctx, deps.storage, { type: 'influxql', text: q, database: db ?? '' }, () =>
      runInfluxql(scoped(host, ctx), q, { db, params: bindParams(fields.params) }).catch(statementError), influxqlRows);
    ctx.status = 200;
    ctx.type = V1_CONTENT_TYPES[format];
    if (format === 'csv') {
      ctx.body = encodeV1Csv(results, epoch);
      return;
    }
    const parts = encodeV1(v1Responses(results, epoch, chunkSize), format, pretty);
    // Chunked answers go out part by part (Transfer-Encoding: chunked), as a 1.x client reading them expects.
    ctx.body = chunkSize === undefined ? Buffer.concat(parts) : Readable.from(parts);
  };
  router.get('/query', errorStyle('v1'), v1);
  router.post('/query', errorStyle('v1'), v1);
}
