import type { SqlFunction } from './sql-function.js';
import { named } from './array-args.js';

// Array functions that search, remove, replace or combine elements, and the shape functions (dims, ndims,
// cardinality). Elements compare as DataFusion's row format does: NULL equals NULL (IS NOT DISTINCT FROM).

const MACROS = {
  // array_distinct: DataFusion sorts the rows and drops repeats, NULL first and kept once (DuckDB's list_distinct
  // drops NULLs and keeps no order).
  set: `CREATE OR REPLACE TEMP MACRO df_array_set(l) AS
    CASE WHEN list_position(l, NULL) IS NOT NULL THEN list_prepend(NULL, list_sort(list_distinct(l), 'ASC'))
         ELSE list_sort(list_distinct(l), 'ASC') END`,
  // array_union: the first list's distinct sorted elements, then the second's that the first lacks.
  union: `CREATE OR REPLACE TEMP MACRO df_array_union(a, b) AS
    list_concat(df_array_set(a), list_filter(df_array_set(b), __e -> list_position(a, __e) IS NULL))`,
  // array_intersect: the second list's distinct sorted elements that the first holds.
  intersect: `CREATE OR REPLACE TEMP MACRO df_array_intersect(a, b) AS
    list_filter(df_array_set(b), __e -> list_position(a, __e) IS NOT NULL)`,
  // array_except: the first list's elements the second lacks, once each, in their order.
  except: `CREATE OR REPLACE TEMP MACRO df_array_except(a, b) AS
    list_filter(a, (__e, __i) -> list_position(b, __e) IS NULL AND list_position(a, __e) = __i)`,
  // How many of a list's first i elements equal x.
  seen: `CREATE OR REPLACE TEMP MACRO df_array_seen(l, x, i) AS len(list_filter(list_slice(l, 1, i), __g -> __g IS NOT DISTINCT FROM x))`,
  removeN: `CREATE OR REPLACE TEMP MACRO df_array_remove_n(l, x, n) AS
    list_filter(l, (__e, __i) -> NOT (__e IS NOT DISTINCT FROM x AND df_array_seen(l, x, __i) <= n))`,
  replaceN: `CREATE OR REPLACE TEMP MACRO df_array_replace_n(l, x, y, n) AS
    list_transform(l, (__e, __i) -> CASE WHEN __e IS NOT DISTINCT FROM x AND df_array_seen(l, x, __i) <= n THEN y ELSE __e END)`,
  positions: `CREATE OR REPLACE TEMP MACRO df_array_positions(l, x) AS
    CAST(list_filter(generate_series(1, len(l)), __i -> l[__i] IS NOT DISTINCT FROM x) AS UBIGINT[])`,
  // Dimensions follow the first element at each level, as DataFusion's do; the type is unknown here, so the value's
  // JSON form gives the nesting.
  dims: `CREATE OR REPLACE TEMP MACRO df_array_dims(l) AS
    CASE WHEN l IS NOT NULL THEN CAST(list_transform(
      list_filter(['$', '$[0]', '$[0][0]', '$[0][0][0]', '$[0][0][0][0]', '$[0][0][0][0][0]', '$[0][0][0][0][0][0]', '$[0][0][0][0][0][0][0]'],
        __p -> json_type(to_json(l), __p) = 'ARRAY'),
      __p -> json_array_length(to_json(l), __p)) AS UBIGINT[]) END`,
  // The number of [] in the DuckDB type name.
  ndims: `CREATE OR REPLACE TEMP MACRO df_array_ndims(l) AS
    CASE WHEN l IS NOT NULL THEN CAST((length(typeof(l)) - length(replace(typeof(l), '[]', ''))) // 2 AS UBIGINT) END`,
  // A map's entry count, or a list's element count over all its dimensions (their product, as DataFusion counts).
  cardinality: `CREATE OR REPLACE TEMP MACRO cardinality(x) AS
    CAST(CASE WHEN json_type(to_json(x)) = 'OBJECT' THEN len(json_keys(to_json(x)))
              ELSE coalesce(list_aggregate(df_array_dims(x), 'product'), 0) END AS UBIGINT)`,
};

export const ARRAY_SET_FUNCTIONS: SqlFunction[] = [
  ...named(['array_distinct', 'list_distinct'], 1, 1, ([a]) => `df_array_set(${a})`, [MACROS.set]),
  ...named(['array_union', 'list_union'], 2, 2, ([a, b]) => `df_array_union(${a}, ${b})`, [MACROS.union]),
  ...named(['array_intersect', 'list_intersect'], 2, 2, ([a, b]) => `df_array_intersect(${a}, ${b})`, [MACROS.intersect]),
  ...named(['array_except', 'list_except'], 2, 2, ([a, b]) => `df_array_except(${a}, ${b})`, [MACROS.except]),
  ...named(['array_remove', 'list_remove'], 2, 2, ([a, x]) => `df_array_remove_n(${a}, ${x}, 1)`, [MACROS.seen, MACROS.removeN]),
  ...named(['array_remove_n', 'list_remove_n'], 3, 3, ([a, x, n]) => `df_array_remove_n(${a}, ${x}, ${n})`),
  ...named(['array_remove_all', 'list_remove_all'], 2, 2, ([a, x]) => `list_filter(${a}, __e -> __e IS DISTINCT FROM ${x})`),
  ...named(['array_replace', 'list_replace'], 3, 3, ([a, x, y]) => `df_array_replace_n(${a}, ${x}, ${y}, 1)`, [MACROS.replaceN]),
  ...named(['array_replace_n', 'list_replace_n'], 4, 4, ([a, x, y, n]) => `df_array_replace_n(${a}, ${x}, ${y}, ${n})`),
  ...named(['array_replace_all', 'list_replace_all'], 3, 3, ([a, x, y]) => `list_transform(${a}, __e -> CASE WHEN __e IS NOT DISTINCT FROM ${x} THEN ${y} ELSE __e END)`),
  ...named(['array_positions', 'list_positions'], 2, 2, ([a, x]) => `df_array_positions(${a}, ${x})`, [MACROS.positions]),
  ...named(['array_dims', 'list_dims'], 1, 1, ([a]) => `df_array_dims(${a})`, [MACROS.dims]),
  ...named(['array_ndims', 'list_ndims'], 1, 1, ([a]) => `df_array_ndims(${a})`, [MACROS.ndims]),
  // DuckDB's cardinality takes only maps; the macro shadows it (DataFusion's takes lists and maps).
  { name: 'cardinality', macros: [MACROS.cardinality] },
];
