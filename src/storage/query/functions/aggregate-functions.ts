import { APPROXIMATE_FUNCTIONS } from './approximate-functions.js';
import { callBody } from './call-render.js';
import type { SqlFunction } from './sql-function.js';
import { STATISTICAL_FUNCTIONS } from './statistical-functions.js';

// Aggregate, selector, approximate and statistical functions.
export const AGGREGATE_FUNCTIONS: SqlFunction[] = [
  // DataFusion's ordered aggregate first_value(x ORDER BY t) is DuckDB's first(x ORDER BY t); as a window function
  // (OVER ...) DuckDB has first_value itself.
  { name: 'first_value', rewrite: ({ call, arg, render }) => (call.over ? undefined : `first(${arg(0)}${call.orderBy ? ` ORDER BY ${render(call.orderBy)}` : ''})`) },
  { name: 'last_value', rewrite: ({ call, arg, render }) => (call.over ? undefined : `last(${arg(0)}${call.orderBy ? ` ORDER BY ${render(call.orderBy)}` : ''})`) },
  { name: 'approx_median', macros: ['CREATE OR REPLACE TEMP MACRO approx_median(x) AS approx_quantile(x, 0.5)'] },
  // The aggregate nth_value(x, n ORDER BY t): the n-th value in that order (negative n counts from the end, as a
  // list index does); NULLs count. As a window function DuckDB has nth_value itself.
  {
    name: 'nth_value',
    rewrite: ({ call, arg, render }) =>
      call.over ? undefined : `list(${arg(0)}${call.orderBy ? ` ORDER BY ${render(call.orderBy)}` : ''})[${arg(1)}]`,
  },
  // DataFusion's grouping() is Int32 (DuckDB's is BIGINT).
  { name: 'grouping', rewrite: (ctx) => `CAST(grouping${callBody(ctx)} AS INTEGER)` },
  ...APPROXIMATE_FUNCTIONS,
  ...STATISTICAL_FUNCTIONS,
];
