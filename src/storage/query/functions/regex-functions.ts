import type { SqlFunction } from './sql-function.js';

// Regular-expression functions.
export const REGEX_FUNCTIONS: SqlFunction[] = [];
