import type { SqlFunction } from './sql-function.js';

// Hashing functions.
export const HASHING_FUNCTIONS: SqlFunction[] = [];
