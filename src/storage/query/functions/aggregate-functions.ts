import type { SqlFunction } from './sql-function.js';

// Aggregate, selector, approximate and statistical functions.
export const AGGREGATE_FUNCTIONS: SqlFunction[] = [
  // DataFusion's ordered aggregate first_value(x ORDER BY t) is DuckDB's first(x ORDER BY t); as a window function
  // (OVER ...) DuckDB has first_value itself.
  { name: 'first_value', rewrite: ({ call, arg, render }) => (call.over ? undefined : `first(${arg(0)}${call.orderBy ? ` ORDER BY ${render(call.orderBy)}` : ''})`) },
  { name: 'last_value', rewrite: ({ call, arg, render }) => (call.over ? undefined : `last(${arg(0)}${call.orderBy ? ` ORDER BY ${render(call.orderBy)}` : ''})`) },
  { name: 'approx_median', macros: ['CREATE OR REPLACE TEMP MACRO approx_median(x) AS approx_quantile(x, 0.5)'] },
];
