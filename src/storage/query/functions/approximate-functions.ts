import { planningError } from '../query-errors.js';
import { isKeyword, tokenize } from '../sql-lexer.js';
import type { CallContext, SqlFunction } from './sql-function.js';

// The ordering of `WITHIN GROUP (ORDER BY x [ASC|DESC] [NULLS FIRST|LAST])`: the expression, and whether it is
// descending (DataFusion then takes the 1 - p percentile).
function orderedValue(text: string): { value: string; descending: boolean } {
  const tokens = tokenize(text);
  let end = tokens.length;
  if (isKeyword(tokens[end - 2], 'nulls')) end -= 2;
  const descending = isKeyword(tokens[end - 1], 'desc');
  if (descending || isKeyword(tokens[end - 1], 'asc')) end--;
  return { value: text.slice(0, tokens[end - 1]?.end ?? 0).trim(), descending };
}

// The value and percentile of both forms: f(x, p[, ...]) and f(p[, ...]) WITHIN GROUP (ORDER BY x).
function valueAndPercentile(ctx: CallContext, valueAt: number): { value: string; p: string; rest: number } {
  if (!ctx.call.withinGroup) return { value: ctx.arg(valueAt)!, p: ctx.arg(valueAt + 1)!, rest: valueAt + 2 };
  const { value, descending } = orderedValue(ctx.render(ctx.call.withinGroup));
  const p = ctx.arg(valueAt)!;
  return { value, p: descending ? `(1 - (${p}))` : p, rest: valueAt + 1 };
}

// Weighted percentile: the smallest value whose cumulative weight reaches p of the total weight (DataFusion builds a
// t-digest of weighted centroids; with exact weights this is the value it converges to). DuckDB has no weighted
// quantile, so the group's (value, weight) pairs are sorted and scanned once.
function weightedPercentile(value: string, weight: string, p: string): string {
  const pairs = `list_filter(list({'v': ${value}, 'w': CAST(${weight} AS DOUBLE)}), lambda e: e.v IS NOT NULL AND e.w > 0)`;
  const total = `sum(CASE WHEN (${value}) IS NOT NULL AND (${weight}) > 0 THEN CAST(${weight} AS DOUBLE) END)`;
  const step = `lambda acc, e: {'cum': acc.cum + e.w, 'target': acc.target, 'v': CASE WHEN acc.v IS NULL AND acc.cum + e.w >= acc.target THEN e.v ELSE acc.v END}`;
  return `list_reduce(list_sort(${pairs}), ${step}, {'cum': CAST(0 AS DOUBLE), 'target': (${p}) * ${total}, 'v': NULL}).v`;
}

export const APPROXIMATE_FUNCTIONS: SqlFunction[] = [
  // DataFusion's HyperLogLog (16384 registers) is exact for small counts where DuckDB's approx_count_distinct is
  // already off (6 for 7 values): the exact count is an estimate within both; UInt64 like DataFusion's.
  {
    name: 'approx_distinct',
    withWindow: true,
    rewrite: ({ call, arg, render }) => `CAST(count(DISTINCT ${arg(0)})${call.window ? ` OVER ${render(call.window)}` : ''} AS UBIGINT)`,
  },
  // approx_percentile_cont(x, p[, centroids]) or approx_percentile_cont(p[, centroids]) WITHIN GROUP (ORDER BY x);
  // DuckDB's t-digest takes no centroid count. DuckDB parses WITHIN GROUP only for its own ordered aggregates.
  {
    name: 'approx_percentile_cont',
    rewrite: (ctx) => {
      const { value, p } = valueAndPercentile(ctx, 0);
      return `approx_quantile(${value}, ${p})`;
    },
  },
  // approx_percentile_cont_with_weight(x, w, p) or approx_percentile_cont_with_weight(w, p) WITHIN GROUP (ORDER BY x).
  {
    name: 'approx_percentile_cont_with_weight',
    rewrite: (ctx) => {
      if (ctx.call.over) throw planningError('approx_percentile_cont_with_weight is not supported as a window function');
      if (ctx.call.withinGroup) {
        const { value, p } = valueAndPercentile(ctx, 1);
        return weightedPercentile(value, ctx.arg(0)!, p);
      }
      return weightedPercentile(ctx.arg(0)!, ctx.arg(1)!, ctx.arg(2)!);
    },
  },
];
