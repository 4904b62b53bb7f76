import type { SqlFunction } from './sql-function.js';

// Window functions (rank, row_number, ntile, ...).
export const WINDOW_FUNCTIONS: SqlFunction[] = [];
