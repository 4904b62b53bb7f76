import { planningError } from '../../query-errors.js';
import { identName, isKeyword, matchingParen, type Token } from '../../sql-lexer.js';

// One end of the gap-filled range: the bound's expression (token span) and whether it is included.
export interface Bound {
  from: number;
  to: number;
  included: boolean;
}

const isPunct = (t: Token | undefined, value: string): boolean => t?.kind === 'punct' && t.value === value;

// The column a span names (`time`, `m.time`, `"time"`), lowercased unless quoted; undefined for anything else.
export function columnName(tokens: Token[], from: number, to: number): string | undefined {
  const n = to - from;
  if (n !== 1 && !(n === 3 && isPunct(tokens[from + 1], '.')) && !(n === 5 && isPunct(tokens[from + 3], '.'))) return undefined;
  const last = tokens[to - 1]!;
  const name = identName(last);
  if (name === undefined) return undefined;
  return last.kind === 'quoted' ? name : name.toLowerCase();
}

// Top-level AND conjuncts of a WHERE clause; BETWEEN's own AND is not one.
function conjuncts(tokens: Token[], from: number, to: number): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  let start = from;
  let between = false;
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(')) {
      const close = matchingParen(tokens, i);
      i = close < 0 ? to : close;
    } else if (isKeyword(t, 'between')) between = true;
    else if (isKeyword(t, 'and')) {
      if (between) between = false;
      else {
        out.push({ from: start, to: i });
        start = i + 1;
      }
    }
  }
  out.push({ from: start, to });
  return out.filter((c) => c.to > c.from);
}

function hasTopLevel(tokens: Token[], c: { from: number; to: number }, word: string): boolean {
  for (let i = c.from; i < c.to; i++) {
    if (isPunct(tokens[i], '(')) i = matchingParen(tokens, i);
    else if (isKeyword(tokens[i], word)) return true;
    if (i < 0) return false;
  }
  return false;
}

// A conjunct wrapped in parentheses as a whole is read inside them.
function unwrap(tokens: Token[], c: { from: number; to: number }): { from: number; to: number } {
  while (isPunct(tokens[c.from], '(') && matchingParen(tokens, c.from) === c.to - 1) c = { from: c.from + 1, to: c.to - 1 };
  return c;
}

// `<`, `<=`, `>`, `>=` at token i (the lexer splits two-character operators): the operator and its width.
function comparison(tokens: Token[], i: number): { op: string; width: number } | undefined {
  const t = tokens[i];
  if (!isPunct(t, '<') && !isPunct(t, '>')) return undefined;
  const next = tokens[i + 1];
  if (isPunct(next, '=') && next!.start === t!.end) return { op: `${t!.value}=`, width: 2 };
  if (isPunct(next, '>') || isPunct(next, '<')) return undefined;
  return { op: t!.value, width: 1 };
}

/**
 * The time range of a gap-filling query from its WHERE clause, as IOx finds it: `time >= a`, `time > a`,
 * `a < time`, ..., `time BETWEEN a AND b` among the top-level conjuncts; both ends are required.
 */
export function findTimeRange(tokens: Token[], where: { from: number; to: number } | null, column: string): { lower: Bound; upper: Bound } {
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  for (const raw of where ? conjuncts(tokens, where.from, where.to) : []) {
    const c = unwrap(tokens, raw);
    const between = c.from + 1 < c.to ? tokens.findIndex((t, i) => i > c.from && i < c.to && isKeyword(t, 'between')) : -1;
    if (between > 0 && columnName(tokens, c.from, between) === column && !isKeyword(tokens[between - 1], 'not')) {
      const and = tokens.findIndex((t, i) => i > between && i < c.to && isKeyword(t, 'and'));
      if (and > 0) {
        lower = { from: between + 1, to: and, included: true };
        upper = { from: and + 1, to: c.to, included: true };
      }
      continue;
    }
    // Only `column op value` as a whole conjunct bounds the range, not one side of an OR.
    if (hasTopLevel(tokens, c, 'or')) continue;
    for (let i = c.from + 1; i < c.to; i++) {
      if (isPunct(tokens[i], '(')) {
        i = matchingParen(tokens, i);
        if (i < 0) break;
        continue;
      }
      const cmp = comparison(tokens, i);
      if (!cmp) continue;
      const left = { from: c.from, to: i };
      const right = { from: i + cmp.width, to: c.to };
      const included = cmp.op.endsWith('=');
      // `time < x` bounds above; `x < time` bounds below.
      if (columnName(tokens, left.from, left.to) === column) {
        if (cmp.op.startsWith('<')) upper = { ...right, included };
        else lower = { ...right, included };
      } else if (columnName(tokens, right.from, right.to) === column) {
        if (cmp.op.startsWith('<')) lower = { ...left, included };
        else upper = { ...left, included };
      }
      break;
    }
  }
  if (!lower && !upper) throw planningError('gap-filling query is missing both upper and lower time bounds');
  if (!lower) throw planningError('gap-filling query is missing lower time bound');
  if (!upper) throw planningError('gap-filling query is missing upper time bound');
  return { lower, upper };
}
