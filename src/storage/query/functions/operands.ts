import { type Token } from '../sql-lexer.js';

export const isPunct = (t: Token | undefined, value: string): boolean => t?.kind === 'punct' && t.value === value;

// Keywords a `(` or `[` may follow without being a call or an index.
const NOT_CALLS = new Set([
  'select', 'where', 'and', 'or', 'not', 'on', 'by', 'when', 'then', 'else', 'in', 'as', 'from', 'having', 'case',
  'distinct', 'exists', 'values', 'join', 'like', 'ilike', 'between', 'is', 'all', 'any', 'some', 'limit', 'offset',
  'with', 'union', 'except', 'intersect', 'using', 'set', 'return', 'returning', 'end', 'div', 'mod',
]);
// A parenthesis after these belongs to a clause of the expression before it: its start is not worth guessing.
const GIVE_UP = new Set(['over', 'filter', 'group', 'within']);

// Index of the `(`/`[` matching the `)`/`]` at `close`, or -1.
export function matchingOpen(tokens: Token[], close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if (t.value === ')' || t.value === ']') depth++;
    else if (t.value === '(' || t.value === '[') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

// The start of a dotted name ending at `at` (t.col, schema.fn).
export function dottedStart(tokens: Token[], at: number): number {
  let k = at;
  while (isPunct(tokens[k - 1], '.') && (tokens[k - 2]?.kind === 'ident' || tokens[k - 2]?.kind === 'quoted')) k -= 2;
  return k;
}

// The CASE that the END at `end` closes, or -1.
function matchingCase(tokens: Token[], end: number): number {
  let depth = 0;
  for (let k = end; k >= 0; k--) {
    const t = tokens[k]!;
    if (t.kind !== 'ident') continue;
    const word = t.value.toLowerCase();
    if (word === 'end') depth++;
    else if (word === 'case' && --depth === 0) return k;
  }
  return -1;
}

/**
 * The first token of the operand that ends at token `last`, as a postfix operator (`::type`, `[i]`) sees it: a
 * literal, a (dotted) name, a call, a parenthesised expression, a CASE ... END, an index or an earlier cast of one of
 * these. -1 when it cannot tell (the operand is a window or filtered aggregate, or the SQL is not understood).
 */
export function operandStart(tokens: Token[], last: number): number {
  const t = tokens[last];
  if (!t) return -1;
  let start: number;
  if (isPunct(t, ')') || isPunct(t, ']')) {
    const open = matchingOpen(tokens, last);
    if (open < 0) return -1;
    start = open;
    const before = tokens[open - 1];
    const word = before?.kind === 'ident' ? before.value.toLowerCase() : undefined;
    if (word !== undefined && GIVE_UP.has(word)) return -1;
    const callable = before !== undefined && (before.kind === 'quoted' || (word !== undefined && !NOT_CALLS.has(word)));
    if (t.value === ')') {
      if (callable) start = dottedStart(tokens, open - 1);
    } else if (word === 'array') {
      start = open - 1;
    } else if (callable || isPunct(before, ')') || isPunct(before, ']')) {
      // An index: x[1], f(x)[1], x[1][2].
      start = operandStart(tokens, open - 1);
      if (start < 0) return -1;
    }
  } else if (t.kind === 'ident' || t.kind === 'quoted') {
    const word = t.kind === 'ident' ? t.value.toLowerCase() : undefined;
    if (word === 'end') start = matchingCase(tokens, last);
    else if (word !== undefined && (NOT_CALLS.has(word) || GIVE_UP.has(word))) return -1;
    else start = dottedStart(tokens, last);
    if (start < 0) return -1;
  } else if (t.kind === 'number' || t.kind === 'param' || t.kind === 'string') {
    start = last;
    // A typed literal: TIMESTAMP '...', DATE '...'.
    if (t.kind === 'string' && tokens[last - 1]?.kind === 'ident' && !NOT_CALLS.has(tokens[last - 1]!.value.toLowerCase())) start = last - 1;
  } else {
    return -1;
  }
  // A cast of a cast: a::DOUBLE::BIGINT.
  if (isPunct(tokens[start - 1], ':') && isPunct(tokens[start - 2], ':')) return operandStart(tokens, start - 3);
  return start;
}
