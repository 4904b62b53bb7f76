import type { SqlFunction } from './sql-function.js';

// Miscellaneous functions (arrow_typeof, get_field, version, ...).
export const MISC_FUNCTIONS: SqlFunction[] = [];
