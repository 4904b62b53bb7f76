import { isKeyword, matchingParen, type Token } from '../sql-lexer.js';
import type { Edit } from '../sql-rewrite.js';
import { dottedStart, isPunct, matchingOpen } from './operands.js';

const STRING_TYPES = new Set(['string', 'varchar', 'text']);
const TYPED_LITERALS = new Set(['timestamp', 'timestamp_ns', 'timestamp_ms', 'timestamp_s', 'timestamptz', 'date', 'time', 'interval']);

/**
 * Arrow casts a timestamp to a string the ISO way (2022-01-01T08:00:00, fractions in 3, 6 or 9 digits) where
 * DuckDB writes a space and trims the fraction: casts to a string type go through __iox_to_string.
 */
export const STRING_CAST_MACROS = [
  `CREATE OR REPLACE TEMP MACRO __iox_iso_fraction(s) AS
     CASE WHEN NOT contains(s, '.') THEN s
       ELSE split_part(s, '.', 1) || '.' || rpad(split_part(s, '.', 2), CAST(((length(split_part(s, '.', 2)) + 2) // 3) * 3 AS INTEGER), '0') END`,
  `CREATE OR REPLACE TEMP MACRO __iox_to_string(x) AS
     CASE WHEN typeof(x) IN ('TIMESTAMP_NS', 'TIMESTAMP', 'TIMESTAMP_MS', 'TIMESTAMP_S')
       THEN __iox_iso_fraction(replace(CAST(x AS VARCHAR), ' ', 'T'))
       ELSE CAST(x AS VARCHAR) END`,
];

// The token index where the operand of a `::` at `colon` starts (`::` binds tighter than any operator).
function operandStart(tokens: Token[], colon: number): number {
  let i = colon - 1;
  const t = tokens[i];
  if (!t) return -1;
  if (isPunct(t, ')') || isPunct(t, ']')) {
    const open = matchingOpen(tokens, i);
    if (open < 0) return -1;
    i = open;
    const before = tokens[i - 1];
    // A call f(...) or a subscript x[...]: the operand reaches back over the name or the subscripted value.
    if (isPunct(t, ')') && (before?.kind === 'ident' || before?.kind === 'quoted')) i = dottedStart(tokens, i - 1);
    else if (isPunct(t, ']') && before && !isPunct(before, '(') && !isPunct(before, ',')) {
      const inner = operandStart(tokens, i);
      if (inner >= 0) i = inner;
    }
  } else if (t.kind === 'ident' || t.kind === 'quoted') {
    i = dottedStart(tokens, i);
  } else if (t.kind === 'string') {
    if (tokens[i - 1]?.kind === 'ident' && TYPED_LITERALS.has(tokens[i - 1]!.value.toLowerCase())) i--;
  } else if (t.kind !== 'number' && t.kind !== 'param') {
    return -1;
  }
  // x::a::STRING: the operand is the whole earlier cast.
  if (isPunct(tokens[i - 1], ':') && isPunct(tokens[i - 2], ':')) return i - 2 > 0 ? operandStart(tokens, i - 2) : -1;
  return i;
}


// Edits turning `x::STRING` and `CAST(x AS VARCHAR)` (STRING, VARCHAR or TEXT) into __iox_to_string(x).
export function stringCastEdits(tokens: Token[]): Edit[] {
  const edits: Edit[] = [];
  for (let i = 0; i + 2 < tokens.length; i++) {
    const t = tokens[i]!;
    if (isPunct(t, ':') && isPunct(tokens[i + 1], ':') && tokens[i + 1]!.start === t.end) {
      const type = tokens[i + 2]!;
      if (type.kind !== 'ident' || !STRING_TYPES.has(type.value.toLowerCase()) || isPunct(tokens[i + 3], '(')) continue;
      const from = operandStart(tokens, i);
      if (from < 0) continue;
      const start = tokens[from]!.start;
      const argEnd = tokens[i - 1]!.end;
      edits.push({ start, end: type.end, render: (inner) => `__iox_to_string(${inner(start, argEnd)})` });
    } else if ((isKeyword(t, 'cast') || isKeyword(t, 'try_cast')) && isPunct(tokens[i + 1], '(') && !isPunct(tokens[i - 1], '.')) {
      const close = matchingParen(tokens, i + 1);
      if (close < 0 || !isKeyword(tokens[close - 2], 'as')) continue;
      const type = tokens[close - 1]!;
      if (type.kind !== 'ident' || !STRING_TYPES.has(type.value.toLowerCase()) || close - 2 <= i + 2) continue;
      const argStart = tokens[i + 2]!.start;
      const argEnd = tokens[close - 3]!.end;
      edits.push({ start: t.start, end: tokens[close]!.end, render: (inner) => `__iox_to_string(${inner(argStart, argEnd)})` });
    }
  }
  return edits;
}
