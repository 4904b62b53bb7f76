import type { SqlFunction } from './sql-function.js';

// Array (list) functions.
export const ARRAY_FUNCTIONS: SqlFunction[] = [];
