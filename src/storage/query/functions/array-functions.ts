import { planningError } from '../query-errors.js';
import type { SqlFunction } from './sql-function.js';
import { integerListDepth, literalListDepth, named } from './array-args.js';
import { ARRAY_SET_FUNCTIONS } from './array-set-functions.js';

// Array (list) functions with DataFusion's names, aliases, argument order and result types. Every rewrite casts
// integer literals to BIGINT (array-args.ts), so `[1, 2, 3]` is List(Int64) as in DataFusion. array_has and its
// aliases run as DuckDB has them.

// array_length(l, n): the length of the n-th dimension, following first elements as DataFusion does.
function lengthOf(a: string, dim: string | undefined): string {
  const n = dim === undefined ? 1 : Number(/^CAST\((\d+) AS BIGINT\)$/.exec(dim)?.[1] ?? NaN);
  if (!Number.isInteger(n) || n < 1) throw planningError(`array_length supports a dimension given as a positive integer literal, got ${dim}`);
  return `CAST(len((${a})${'[1]'.repeat(n - 1)}) AS UBIGINT)`;
}

// array_position(l, x[, from]): DataFusion's UInt64 position, searching from `from` on.
function positionOf([a, x, from]: string[]): string {
  if (from === undefined) return `CAST(list_position(${a}, ${x}) AS UBIGINT)`;
  return `CAST(list_position(list_slice(${a}, ${from}, len(${a})), ${x}) + (${from}) - 1 AS UBIGINT)`;
}

// array_to_string(l, sep[, null_text]): nested lists are joined element by element (their depth read from a list
// literal); NULLs are left out unless a text for them is given.
function joined([a, sep, nullText]: string[], raw: string): string {
  const depth = Math.max(integerListDepth(raw), literalListDepth(raw));
  let flat = a!;
  for (let d = 1; d < depth; d++) flat = `flatten(${flat})`;
  if (nullText === undefined) return `array_to_string(${flat}, ${sep})`;
  return `array_to_string(list_transform(${flat}, __e -> coalesce(CAST(__e AS VARCHAR), ${nullText})), ${sep})`;
}

// array_sort(l[, 'ASC'|'DESC'[, 'NULLS FIRST'|'NULLS LAST']]): DataFusion puts NULLs first unless told otherwise.
const sorted = ([a, dir, nulls]: string[]): string => `list_sort(${a}, ${dir ?? "'ASC'"}, ${nulls ?? "'NULLS FIRST'"})`;

// generate_series/range over dates or timestamps: DuckDB answers TIMESTAMP[], DataFusion Date32 or nanosecond
// timestamps; the kind is read from how the start is written (DATE '...', ::date, CAST(... AS DATE)).
function series(fn: string, args: string[]): string {
  const call = `${fn}(${args.join(', ')})`;
  if (args.length < 3 || /^\s*-?\d|^CAST\(-?\d+ AS BIGINT\)$/.test(args[0]!)) return call;
  const isDate = /^\s*DATE\s*'|::\s*DATE\s*$|\bAS\s+DATE\s*\)\s*$/i.test(args[0]!);
  return `CAST(${call} AS ${isDate ? 'DATE[]' : 'TIMESTAMP_NS[]'})`;
}

// `FROM range(...)` is the table function, not the list one: left to DuckDB.
function tableFunctionsAsWritten(f: SqlFunction): SqlFunction {
  return {
    ...f,
    rewrite: (ctx) => {
      const before = ctx.tokens[ctx.call.nameToken - 1];
      if (before && before.kind === 'ident' && /^(from|join|lateral)$/i.test(before.value)) return undefined;
      return f.rewrite!(ctx);
    },
  };
}

// string_to_array(s, delimiter[, null_text]): parts equal to null_text become NULL.
const splitOf = ([s, d, nullText]: string[]): string =>
  nullText === undefined ? `string_split(${s}, ${d})` : `list_transform(string_split(${s}, ${d}), __e -> nullif(__e, ${nullText}))`;

export const ARRAY_FUNCTIONS: SqlFunction[] = [
  ...named(['array_any_value', 'list_any_value'], 1, 1, ([a]) => `list_any_value(${a})`),
  ...named(['array_append', 'array_push_back', 'list_append', 'list_push_back'], 2, 2, ([a, x]) => `list_append(${a}, ${x})`),
  ...named(['array_prepend', 'array_push_front', 'list_prepend', 'list_push_front'], 2, 2, ([x, a]) => `list_prepend(${x}, ${a})`),
  ...named(['array_concat', 'array_cat', 'list_concat', 'list_cat'], 1, Infinity, (a) => `list_concat(${a.join(', ')})`),
  ...named(['array_distance', 'list_distance'], 2, 2, ([a, b]) => `list_distance(CAST(${a} AS DOUBLE[]), CAST(${b} AS DOUBLE[]))`),
  ...named(['array_element', 'array_extract', 'list_element', 'list_extract'], 2, 2, ([a, i]) => `list_extract(${a}, ${i})`),
  ...named(['empty', 'array_empty', 'list_empty'], 1, 1, ([a]) => `(len(${a}) = 0)`),
  ...named(['arrays_overlap'], 2, 2, ([a, b]) => `list_has_any(${a}, ${b})`),
  ...named(['array_position', 'array_indexof', 'list_position', 'list_indexof'], 2, 3, positionOf),
  ...named(['array_length', 'list_length'], 1, 2, ([a, dim]) => lengthOf(a!, dim)),
  ...named(['array_max', 'list_max'], 1, 1, ([a]) => `list_max(${a})`),
  ...named(['array_min', 'list_min'], 1, 1, ([a]) => `list_min(${a})`),
  ...named(['array_pop_back', 'list_pop_back'], 1, 1, ([a]) => `array_pop_back(${a})`),
  ...named(['array_pop_front', 'list_pop_front'], 1, 1, ([a]) => `array_pop_front(${a})`),
  ...named(['array_repeat', 'list_repeat'], 2, 2, ([x, n]) => `list_resize([${x}], greatest(${n}, 0), ${x})`),
  ...named(['array_resize', 'list_resize'], 2, 3, (a) => `list_resize(${a.join(', ')})`),
  ...named(['array_reverse', 'list_reverse'], 1, 1, ([a]) => `list_reverse(${a})`),
  ...named(['array_slice', 'list_slice'], 3, 4, (a) => `list_slice(${a.join(', ')})`),
  ...named(['array_sort', 'list_sort'], 1, 3, sorted),
  ...named(['array_to_string', 'array_join', 'list_to_string', 'list_join'], 2, 3, (a, ctx) => joined(a, ctx.arg(0)!)),
  // DataFusion flattens one level and returns a flat list as it is, where DuckDB refuses one: a list literal's depth
  // tells which.
  ...named(['flatten'], 1, 1, ([a], ctx) => (/^\s*\[/.test(ctx.arg(0)!) && literalListDepth(ctx.arg(0)!) === 1 ? a! : `flatten(${a})`)),
  ...named(['generate_series', 'range'], 1, 3, (a, ctx) => series(ctx.call.name, a)).map(tableFunctionsAsWritten),
  ...named(['make_array', 'make_list'], 0, Infinity, (a) => `list_value(${a.join(', ')})`),
  ...named(['string_to_array', 'string_to_list'], 2, 3, splitOf),
  ...ARRAY_SET_FUNCTIONS,
];
