import { isKeyword, matchingParen, type Token } from '../../sql-lexer.js';
import type { Span } from '../call-sites.js';

// One SELECT (a whole statement or a parenthesised subquery) cut into the clauses a gap-fill rewrite moves around.
// Token indexes; `end` exclusive.
export interface SelectParts {
  // The SELECT keyword and the token after the statement's last one.
  select: number;
  end: number;
  items: SelectItem[];
  // FROM up to ORDER BY / LIMIT (FROM, WHERE, GROUP BY, HAVING, ...): kept as written.
  body: { from: number; to: number };
  where: { from: number; to: number } | null;
  groupBy: Array<{ from: number; to: number }>;
  // ORDER BY, LIMIT, OFFSET and what follows: applies to the filled rows.
  tail: { from: number; to: number } | null;
}

export interface SelectItem {
  // The expression without its alias.
  expr: { from: number; to: number };
  alias: string | null;
}

const isPunct = (t: Token | undefined, value: string): boolean => t?.kind === 'punct' && t.value === value;

export const spanOf = (tokens: Token[], from: number, to: number): Span => ({ start: tokens[from]!.start, end: tokens[to - 1]!.end });

// Token indexes at parenthesis depth 0 between from and to where `test` holds.
function topLevel(tokens: Token[], from: number, to: number, test: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(') || isPunct(t, '[')) {
      const close = matchingParen(tokens, i);
      i = close < 0 ? to : close;
    } else if (test(i)) out.push(i);
  }
  return out;
}

// Splits [from, to) at top-level commas.
export function splitList(tokens: Token[], from: number, to: number): Array<{ from: number; to: number }> {
  const commas = topLevel(tokens, from, to, (i) => isPunct(tokens[i], ','));
  const bounds = [from - 1, ...commas, to];
  return bounds.slice(1).map((b, k) => ({ from: bounds[k]! + 1, to: b })).filter((p) => p.to > p.from);
}

// The SELECT whose select list holds token `at`: the nearest SELECT before it at the same parenthesis depth.
export function enclosingSelect(tokens: Token[], at: number): { select: number; end: number } | null {
  let depth = 0;
  let select = -1;
  for (let k = at - 1; k >= 0; k--) {
    const t = tokens[k]!;
    if (isPunct(t, ')')) depth++;
    else if (isPunct(t, '(')) {
      if (depth === 0) return null;
      depth--;
    } else if (depth === 0 && isKeyword(t, 'select')) {
      select = k;
      break;
    }
  }
  if (select < 0) return null;
  let end = tokens.length;
  depth = 0;
  for (let k = select + 1; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) {
      if (depth === 0) {
        end = k;
        break;
      }
      depth--;
    } else if (depth === 0 && (isPunct(t, ';') || isKeyword(t, 'union') || isKeyword(t, 'except') || isKeyword(t, 'intersect'))) {
      end = k;
      break;
    }
  }
  return { select, end };
}

const CLAUSES = ['from', 'where', 'group', 'having', 'window', 'qualify', 'order', 'limit', 'offset'];

export function parseSelect(tokens: Token[], select: number, end: number): SelectParts | null {
  const marks = topLevel(tokens, select + 1, end, (i) => CLAUSES.some((c) => isKeyword(tokens[i], c)));
  const at = (word: string): number => marks.find((i) => isKeyword(tokens[i], word)) ?? -1;
  const from = at('from');
  if (from < 0) return null;
  const next = (i: number): number => marks.find((m) => m > i) ?? end;
  let first = select + 1;
  if (isKeyword(tokens[first], 'all')) first++;
  const items = splitList(tokens, first, from).map((p) => item(tokens, p.from, p.to));
  const where = at('where');
  const group = at('group');
  const tailStart = [at('order'), at('limit'), at('offset')].filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? -1;
  return {
    select,
    end,
    items,
    body: { from, to: tailStart >= 0 ? tailStart : end },
    where: where >= 0 ? { from: where + 1, to: next(where) } : null,
    groupBy: group >= 0 && isKeyword(tokens[group + 1], 'by') ? splitList(tokens, group + 2, next(group + 1)) : [],
    tail: tailStart >= 0 ? { from: tailStart, to: end } : null,
  };
}

// Words that end an expression or precede its last word, so never an implicit alias or before one.
const NOT_ALIAS = new Set(['end', 'null', 'true', 'false', 'is', 'not', 'and', 'or', 'like', 'ilike', 'in', 'between', 'then', 'else', 'when', 'case', 'distinct', 'interval', 'as']);

// `expr`, `expr AS name` or `expr name`.
function item(tokens: Token[], from: number, to: number): SelectItem {
  const last = tokens[to - 1]!;
  const keyword = (t: Token | undefined): boolean => t?.kind === 'ident' && NOT_ALIAS.has(t.value.toLowerCase());
  const named = last.kind === 'quoted' || (last.kind === 'ident' && !keyword(last));
  if (to - from >= 3 && named && isKeyword(tokens[to - 2], 'as')) return { expr: { from, to: to - 2 }, alias: last.value };
  const before = tokens[to - 2];
  if (to - from >= 2 && named && before && (before.kind !== 'punct' || before.value === ')') && !keyword(before)) {
    return { expr: { from, to: to - 1 }, alias: last.value };
  }
  return { expr: { from, to }, alias: null };
}
