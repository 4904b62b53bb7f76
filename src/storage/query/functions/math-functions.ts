import type { SqlFunction } from './sql-function.js';

// Math functions. A macro of a built-in's name reaches the built-in as system.main.<name>.
export const MATH_FUNCTIONS: SqlFunction[] = [
  // DataFusion's factorial is Int64 -> Int64: 1 below 2, an overflow error past 20 (DuckDB's takes INTEGER and
  // answers HUGEINT).
  {
    name: 'factorial',
    macros: [
      `CREATE OR REPLACE TEMP MACRO factorial(x) AS CASE WHEN x < 2 THEN CAST(1 AS BIGINT)
         WHEN x > 20 THEN error('Arrow error: Compute error: Overflow happened on FACTORIAL(' || CAST(x AS VARCHAR) || ')')
         ELSE CAST(system.main.factorial(CAST(x AS INTEGER)) AS BIGINT) END`,
    ],
  },
  { name: 'iszero', macros: ['CREATE OR REPLACE TEMP MACRO iszero(x) AS (x = 0)'] },
  // nanvl(x, y): y where x is NaN; a Float64 like DataFusion's.
  { name: 'nanvl', macros: ['CREATE OR REPLACE TEMP MACRO nanvl(x, y) AS CAST(CASE WHEN isnan(x) THEN y ELSE x END AS DOUBLE)'] },
  // signum is Float64 (DuckDB's sign is TINYINT); NaN stays NaN.
  { name: 'signum', macros: ['CREATE OR REPLACE TEMP MACRO signum(x) AS CAST(CASE WHEN isnan(x) THEN x ELSE sign(x) END AS DOUBLE)'] },
];
