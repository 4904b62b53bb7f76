import type { SqlFunction } from './sql-function.js';

// Math functions.
export const MATH_FUNCTIONS: SqlFunction[] = [];
