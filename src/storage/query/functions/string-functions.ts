import type { SqlFunction } from './sql-function.js';

// String and binary-string functions.
export const STRING_FUNCTIONS: SqlFunction[] = [];
