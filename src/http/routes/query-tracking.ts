import type { Context } from 'koa';
import type { StatementResult } from '../../storage/query/influxql/host.js';
import type { QueryInfo } from '../../storage/query/query-log.js';
import type { StorageEngine } from '../../storage/storage-engine.js';
import type { AuthState } from '../auth/auth-middleware.js';

// Runs an API query as an entry of the query log (system.queries), issued by the request's token.
export function trackQuery<T>(
  ctx: Context,
  storage: StorageEngine,
  query: Omit<QueryInfo, 'tokenName'>,
  run: () => Promise<T>,
  rowsOf?: (result: T) => number,
): Promise<T> {
  const auth = ctx.state.auth as AuthState | undefined;
  return storage.queryLog.track({ ...query, tokenName: auth?.token?.name ?? null }, run, { rowsOf });
}

// Rows an InfluxQL query returned, over every statement and series.
export function influxqlRows(results: StatementResult[]): number {
  let n = 0;
  for (const r of results) for (const s of r.series) n += s.values.length;
  return n;
}
