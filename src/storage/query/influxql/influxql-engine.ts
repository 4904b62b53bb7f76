import { AppError, errorMessage } from '../../../shared/app-error.js';
import type { QueryResult } from '../query-result.js';
import { influxqlError } from './errors.js';
import type { ExecContext, InfluxqlHost, StatementResult } from './host.js';
import { parseInfluxql, type BindParams } from './parser.js';
import { executeSelect } from './select-exec.js';
import { executeShow } from './show-exec.js';

export type { InfluxqlHost, Series, StatementResult } from './host.js';

export interface InfluxqlOptions {
  db?: string;
  params?: BindParams;
  // The statement's now(), fixed once per request.
  nowNs?: bigint;
  // Rethrow a statement's error as is (query_influxql) instead of reporting it in the result (v1 /query).
  throwErrors?: boolean;
}

// Errors that refuse the whole request (HTTP 400) rather than one statement.
function refusesRequest(err: unknown): boolean {
  return err instanceof AppError && (err.code === 'influxql_unsupported' || err.code === 'influxql_parse_error');
}

/**
 * Parses and runs every statement. A parse error or an unsupported construct throws (HTTP 400);
 * any other failure becomes that statement's error, and the statements after it are "not executed",
 * as InfluxDB 1.x reports them.
 */
export async function runInfluxql(host: InfluxqlHost, text: string, opts: InfluxqlOptions = {}): Promise<StatementResult[]> {
  const statements = parseInfluxql(text, opts.params);
  const ctx: ExecContext = { host, db: opts.db, nowNs: opts.nowNs ?? BigInt(Date.now()) * 1_000_000n };
  const results: StatementResult[] = [];
  let failed = false;
  for (const [i, stmt] of statements.entries()) {
    const timeColumn = stmt.kind === 'select';
    if (failed) {
      results.push({ statementId: i, series: [], error: 'not executed', timeColumn });
      continue;
    }
    try {
      const series = stmt.kind === 'select' ? await executeSelect(stmt, ctx) : await executeShow(stmt, ctx);
      results.push({ statementId: i, series, timeColumn });
    } catch (err) {
      if (opts.throwErrors || refusesRequest(err)) throw err;
      failed = true;
      results.push({ statementId: i, series: [], error: errorMessage(err), timeColumn });
    }
  }
  return results;
}

/**
 * One statement's series as one table, the shape /api/v3/query_influxql returns: `iox::measurement`,
 * `time`, the GROUP BY tags, then the value columns.
 */
export function flattenResult(result: StatementResult): QueryResult {
  const named = result.series.some((s) => s.name !== undefined);
  const tagKeys = [...new Set(result.series.flatMap((s) => Object.keys(s.tags ?? {})))].sort();
  const valueCols: string[] = [];
  for (const s of result.series) {
    for (const [i, c] of s.columns.entries()) if (!(result.timeColumn && i === 0) && !valueCols.includes(c) && !tagKeys.includes(c)) valueCols.push(c);
  }
  const rows: unknown[][] = [];
  const types: Array<string | undefined> = valueCols.map(() => undefined);
  for (const s of result.series) {
    const index = valueCols.map((c) => s.columns.indexOf(c));
    for (const v of s.values) {
      const row: unknown[] = [];
      if (named) row.push(s.name ?? null);
      if (result.timeColumn) row.push(v[0]);
      for (const k of tagKeys) row.push(s.tags?.[k] ?? null);
      index.forEach((i, c) => {
        const value = i < 0 ? null : v[i] ?? null;
        types[c] ??= value === null ? undefined : typeof value === 'bigint' ? 'Int64' : typeof value === 'number' ? 'Float64' : typeof value === 'boolean' ? 'Boolean' : 'Utf8';
        row.push(value);
      });
      rows.push(row);
    }
  }
  const columns = [
    ...(named ? [{ name: 'iox::measurement', type: 'Dictionary(Int32, Utf8)' }] : []),
    ...(result.timeColumn ? [{ name: 'time', type: 'Timestamp(Nanosecond, None)' }] : []),
    ...tagKeys.map((name) => ({ name, type: 'Dictionary(Int32, Utf8)' })),
    ...valueCols.map((name, i) => ({ name, type: types[i] ?? 'Utf8' })),
  ];
  // Mixed integer/float columns (fill values, transformations) read as floats.
  columns.forEach((col, c) => {
    if (col.type !== 'Int64') return;
    if (rows.some((r) => typeof r[c] === 'number')) {
      col.type = 'Float64';
      for (const r of rows) if (typeof r[c] === 'bigint') r[c] = Number(r[c]);
    }
  });
  return { columns, rows };
}

// The single statement /api/v3/query_influxql accepts, or a 400 naming what went wrong.
export function singleStatement(results: StatementResult[]): StatementResult {
  if (results.length !== 1) throw influxqlError(`InfluxQL: /api/v3/query_influxql takes one statement, got ${results.length}; use /query for several`);
  return results[0]!;
}
