import { planningError } from '../query-errors.js';
import type { CallContext, SqlFunction } from './sql-function.js';

// DataFusion's flags argument ('i', 'm', 's', 'U') as an inline RE2 flag group; 'g' is refused as there.
const FLAGGED = `CREATE OR REPLACE TEMP MACRO __iox_regex(re, flags) AS CASE
     WHEN flags IS NULL OR flags = '' THEN re
     WHEN contains(flags, 'g') THEN error('regexp does not support the "global" option')
     ELSE '(?' || flags || ')' || re END`;

// Capture groups in a pattern: '(' not escaped, not in a character class and not a (?...) group (named ones count).
export function captureGroups(pattern: string): number {
  let count = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === ']') i++;
    } else if (c === '(') {
      if (pattern[i + 1] !== '?') count++;
      else if (pattern[i + 2] === 'P' || (pattern[i + 2] === '<' && pattern[i + 3] !== '=' && pattern[i + 3] !== '!')) count++;
    }
  }
  return count;
}

// The pattern argument as a SQL string literal's value, when it is one.
function literalPattern(ctx: CallContext, i: number): string | undefined {
  const span = ctx.call.args[i];
  if (!span) return undefined;
  const tokens = ctx.tokens.filter((t) => t.start >= span.start && t.end <= span.end);
  return tokens.length === 1 && tokens[0]!.kind === 'string' ? tokens[0]!.value : undefined;
}

// regexp_match(s, re [, flags]): the capture groups of the first match as a list (the whole match when the pattern
// has no group), NULL when nothing matches. DuckDB extracts a group by number, so the pattern must be a constant.
function regexpMatch(ctx: CallContext): string {
  const pattern = literalPattern(ctx, 1);
  if (pattern === undefined) throw planningError('regexp_match requires its pattern to be a constant string');
  const s = ctx.arg(0)!;
  const re = `__iox_regex(${ctx.arg(1)}, ${ctx.arg(2) ?? 'NULL'})`;
  const groups = captureGroups(pattern);
  const items = groups === 0 ? [0] : Array.from({ length: groups }, (_, i) => i + 1);
  return `CASE WHEN regexp_matches(${s}, ${re}) THEN [${items.map((g) => `regexp_extract(${s}, ${re}, ${g})`).join(', ')}] END`;
}

// Regular expression functions (DataFusion uses Rust's regex, DuckDB RE2: the same syntax for common patterns).
export const REGEX_FUNCTIONS: SqlFunction[] = [
  {
    name: 'regexp_count',
    macros: [
      FLAGGED,
      `CREATE OR REPLACE TEMP MACRO regexp_count(s, re) AS CAST(len(regexp_extract_all(s, re)) AS BIGINT),
         (s, re, start) AS CAST(len(regexp_extract_all(substring(s, start), re)) AS BIGINT),
         (s, re, start, flags) AS CAST(len(regexp_extract_all(substring(s, start), __iox_regex(re, flags))) AS BIGINT)`,
    ],
  },
  {
    name: 'regexp_like',
    macros: [FLAGGED, `CREATE OR REPLACE TEMP MACRO regexp_like(s, re) AS regexp_matches(s, re), (s, re, flags) AS regexp_matches(s, __iox_regex(re, flags))`],
  },
  { name: 'regexp_match', macros: [FLAGGED], rewrite: regexpMatch },
];
