import type { SqlFunction } from './sql-function.js';

// DataFusion's ranking window functions are UInt64 (DuckDB's are BIGINT): the whole `f(...) OVER (...)` is cast.
const unsigned = (name: string): SqlFunction => ({
  name,
  withWindow: true,
  rewrite: ({ call, render }) => (call.window ? `CAST(${render({ start: call.start, end: call.window.end })} AS UBIGINT)` : undefined),
});

// Window functions (rank, row_number, ntile, ...).
export const WINDOW_FUNCTIONS: SqlFunction[] = [unsigned('row_number'), unsigned('rank'), unsigned('dense_rank'), unsigned('ntile')];
