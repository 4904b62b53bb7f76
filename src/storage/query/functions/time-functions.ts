import type { SqlFunction } from './sql-function.js';

// Time and date functions.
export const TIME_FUNCTIONS: SqlFunction[] = [];
