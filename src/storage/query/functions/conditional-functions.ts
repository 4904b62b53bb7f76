import type { SqlFunction } from './sql-function.js';

// Conditional functions (coalesce, nullif, nvl, nvl2, ...).
export const CONDITIONAL_FUNCTIONS: SqlFunction[] = [];
