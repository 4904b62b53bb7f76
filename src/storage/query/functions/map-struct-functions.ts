import type { SqlFunction } from './sql-function.js';

// Map and struct functions.
export const MAP_STRUCT_FUNCTIONS: SqlFunction[] = [];
