import { renamedTo } from './call-render.js';
import type { SqlFunction } from './sql-function.js';

// Conditional functions (coalesce, nullif, nvl, ...).
export const CONDITIONAL_FUNCTIONS: SqlFunction[] = [
  // nvl(a, b) is coalesce of two.
  { name: 'nvl', rewrite: renamedTo('coalesce') },
  // nvl2(a, b, c): b when a is not NULL, else c.
  { name: 'nvl2', rewrite: ({ arg }) => `(CASE WHEN (${arg(0)}) IS NOT NULL THEN ${arg(1)} ELSE ${arg(2)} END)` },
];
