import { isUtf8 } from 'node:buffer';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError, badRequest } from '../../shared/app-error.js';
import { parsePrecision } from '../../storage/line-protocol/precision.js';
import type { StorageEngine, WriteOptions } from '../../storage/storage-engine.js';
import type { Precision } from '../../storage/types.js';
import { boolParam, readBody, stringParam } from '../middleware/body.js';
import { errorStyle } from '../middleware/error-mapper.js';
import { lineErrorsBody, writeErrorMessage } from '../formats/write-errors.js';

interface Deps {
  storage: StorageEngine;
  maxBodyBytes: number;
}

// v1 `precision` values (n, u, ms, s, plus h and m which we refuse with a clear message).
function v1Precision(p: string | undefined): Precision {
  if (p === 'h' || p === 'm') throw badRequest(`precision '${p}' is not supported; use n, u, ms or s`);
  return parsePrecision(p);
}

// As upstream's v1 mapping (and InfluxQL's `db.rp.measurement`): a named retention policy is the database `db/rp`;
// `autogen` and `default` name the database itself.
export function v1Database(db: string, rp: string | undefined): string {
  return rp === undefined || rp === 'autogen' || rp === 'default' ? db : `${db}/${rp}`;
}

async function doWrite(ctx: Context, deps: Deps, db: string, options: WriteOptions): Promise<void> {
  const body = await readBody(ctx, deps.maxBodyBytes);
  // As upstream: line protocol must be UTF-8 (toString would silently turn bad bytes into U+FFFD).
  if (!isUtf8(body)) throw badRequest('body content is not valid utf8');
  const outcome = await deps.storage.write(db, body.toString('utf8'), options);
  if (outcome.errors.length === 0) {
    ctx.status = 204;
    return;
  }
  const status = outcome.limitHit ? 422 : 400;
  const lines = lineErrorsBody(outcome.errors);
  // As upstream: without accept_partial the write stops at its first bad line, and `data` is that line's object.
  const details = options.acceptPartial ? lines : lines[0];
  throw new AppError(outcome.limitHit ? 'schema_limit' : 'write_error', writeErrorMessage(outcome.linesWritten), { status, details });
}

// The three write endpoints: v3 write_lp, v2 write (bucket) and v1 write (db).
export function registerWriteRoutes(router: Router, deps: Deps): void {
  router.post('/api/v3/write_lp', async (ctx) => {
    if (ctx.querystring.length === 0) throw badRequest('missing query string: write_lp needs at least ?db=<database>');
    const q = ctx.query as Record<string, unknown>;
    const db = stringParam(q, 'db', true);
    await doWrite(ctx, deps, db, {
      precision: parsePrecision(stringParam(q, 'precision')),
      acceptPartial: boolParam(q, 'accept_partial', true),
      noSync: boolParam(q, 'no_sync', false),
    });
  });
  router.post('/api/v2/write', errorStyle('v2'), async (ctx) => {
    const q = ctx.query as Record<string, unknown>;
    const bucket = stringParam(q, 'bucket', true);
    const p = stringParam(q, 'precision');
    const precision: Precision = p === undefined ? 'ns' : parsePrecision(p);
    await doWrite(ctx, deps, bucket, { precision, acceptPartial: false, noSync: false });
  });
  router.post('/write', errorStyle('v1'), async (ctx) => {
    const q = ctx.query as Record<string, unknown>;
    const db = v1Database(stringParam(q, 'db', true), stringParam(q, 'rp'));
    const p = stringParam(q, 'precision');
    await doWrite(ctx, deps, db, { precision: p === undefined ? 'ns' : v1Precision(p), acceptPartial: false, noSync: false });
  });
}
