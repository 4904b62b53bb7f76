import { DATE_BIN_MACRO, NOW_MACRO, TO_TIMESTAMP_MACROS } from './functions/time-macros.js';

const selector = (agg: 'arg_max' | 'arg_min', by: 'v' | 't'): string =>
  `${agg}(CASE WHEN v IS NOT NULL THEN {'value': v, 'time': t} END, ${by})`;

/**
 * DataFusion functions InfluxDB users write, as DuckDB temporary macros (per connection, they shadow
 * built-ins of the same name). arrow_cast needs a literal type and is rewritten in the SQL instead. The time
 * functions' macros are defined in functions/time-macros.ts and installed first, as other macros call them.
 */
export const DATAFUSION_MACROS: string[] = [
  NOW_MACRO,
  DATE_BIN_MACRO,
  ...Object.values(TO_TIMESTAMP_MACROS),
  // Helper of arrow_cast to integer types: timestamps become epoch nanoseconds, bad strings still fail.
  `CREATE OR REPLACE TEMP MACRO __iox_to_integer(e) AS
     CASE WHEN typeof(e) LIKE 'TIMESTAMP%' OR typeof(e) = 'DATE' THEN CAST(epoch_ns(TRY_CAST(e AS TIMESTAMP_NS)) AS HUGEINT)
       WHEN typeof(e) = 'VARCHAR' THEN CAST(TRY_CAST(e AS VARCHAR) AS HUGEINT)
       WHEN typeof(e) IN ('FLOAT', 'DOUBLE') OR typeof(e) LIKE 'DECIMAL%' THEN TRY_CAST(trunc(TRY_CAST(e AS DOUBLE)) AS HUGEINT)
       ELSE TRY_CAST(e AS HUGEINT) END`,
  `CREATE OR REPLACE TEMP MACRO approx_percentile_cont(x, p) AS approx_quantile(x, p),
     (x, p, centroids) AS approx_quantile(x, p)`,
  `CREATE OR REPLACE TEMP MACRO selector_last(v, t) AS ${selector('arg_max', 't')}`,
  `CREATE OR REPLACE TEMP MACRO selector_first(v, t) AS ${selector('arg_min', 't')}`,
  `CREATE OR REPLACE TEMP MACRO selector_max(v, t) AS ${selector('arg_max', 'v')}`,
  `CREATE OR REPLACE TEMP MACRO selector_min(v, t) AS ${selector('arg_min', 'v')}`,
];
