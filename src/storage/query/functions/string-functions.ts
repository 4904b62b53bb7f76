import { planningError } from '../query-errors.js';
import { keywordArgs } from './keyword-args.js';
import type { SqlFunction } from './sql-function.js';
import { BINARY_STRING_FUNCTIONS } from './binary-string-functions.js';

const macro = (name: string, body: string): SqlFunction => ({ name, macros: [`CREATE OR REPLACE TEMP MACRO ${name}${body}`] });

// substr_index(s, delim, n): before the n-th delimiter from the left (n > 0) or after the |n|-th from the right.
const SUBSTR_INDEX = `(s, d, n) AS CASE WHEN d = '' OR n = 0 THEN ''
     WHEN n > 0 THEN array_to_string(string_split(s, d)[:n], d)
     ELSE array_to_string(string_split(s, d)[n:], d) END`;

// String and binary-string functions. DataFusion returns Int32 positions and lengths for Utf8 where DuckDB has BIGINT;
// built-ins a macro shadows are reached as system.main.<name>.
export const STRING_FUNCTIONS: SqlFunction[] = [
  macro('btrim', '(s) AS trim(s), (s, chars) AS trim(s, chars)'),
  // The 1-based place of s among the comma-separated items, 0 when absent.
  macro('find_in_set', `(s, list) AS CASE WHEN s IS NOT NULL AND list IS NOT NULL
     THEN CAST(coalesce(list_position(string_split(list, ','), s), 0) AS INTEGER) END`),
  // Words are runs of letters and digits: each gets an upper-case first character and lower-case rest.
  macro('initcap', `(s) AS array_to_string(list_transform(regexp_extract_all(s, '[\\pL\\pN]+|[^\\pL\\pN]+'),
     lambda w: upper(left(w, 1)) || lower(substr(w, 2))), '')`),
  macro('instr', '(s, sub) AS CAST(strpos(s, sub) AS INTEGER)'),
  macro('levenshtein', '(a, b) AS CAST(system.main.levenshtein(a, b) AS INTEGER)'),
  macro('octet_length', `(x) AS CAST(CASE WHEN typeof(x) = 'BLOB' THEN system.main.octet_length(TRY_CAST(x AS BLOB))
     ELSE strlen(CAST(x AS VARCHAR)) END AS INTEGER)`),
  macro('to_hex', '(x) AS lower(system.main.to_hex(x))'),
  macro('substr_index', SUBSTR_INDEX),
  macro('substring_index', SUBSTR_INDEX),
  {
    name: 'overlay',
    macros: ['CREATE OR REPLACE TEMP MACRO __iox_overlay(s, r, p, n) AS substring(s, 1, p - 1) || r || substring(s, p + n)'],
    // overlay(s PLACING r FROM p [FOR n]) or overlay(s, r, p [, n]); n defaults to the length of r.
    rewrite: (ctx) => {
      const parts = keywordArgs(ctx, ['placing', 'from', 'for']);
      const [s, r, p, n] = parts
        ? [parts.get(''), parts.get('placing'), parts.get('from'), parts.get('for')].map((x) => (x ? ctx.render(x) : undefined))
        : [0, 1, 2, 3].map((i) => ctx.arg(i));
      if (!s || !r || !p) throw planningError('overlay expects overlay(string PLACING substring FROM position [FOR count])');
      return `__iox_overlay(${s}, ${r}, ${p}, ${n ?? `length(${r})`})`;
    },
  },
  {
    name: 'position',
    // position(sub IN s) is DataFusion's strpos(s, sub).
    rewrite: (ctx) => {
      const parts = keywordArgs(ctx, ['in']);
      if (!parts || !parts.get('') || !parts.get('in')) throw planningError('position expects position(substring IN string)');
      return `CAST(strpos(${ctx.render(parts.get('in')!)}, ${ctx.render(parts.get('')!)}) AS INTEGER)`;
    },
  },
  ...BINARY_STRING_FUNCTIONS,
];
