import { isKeyword, type Token } from '../sql-lexer.js';
import { isPunct } from './operands.js';

// A rewrite changes the text DuckDB names an unaliased SELECT item by (`first(x ORDER BY t)` for first_value, a
// CASE for a cast): such an item gets the name of what the user wrote instead.
const ITEM_END = new Set(['from', 'where', 'group', 'having', 'order', 'limit', 'offset', 'union', 'except', 'intersect', 'window', 'qualify']);
const CLAUSE = new Set(['from', 'where', 'group', 'having', 'order', 'by', 'on', 'limit', 'offset', 'when', 'then', 'else', 'case', 'values', 'set', 'qualify', 'window']);

// Tokens [first, last] are a whole item of a SELECT list with no alias after them.
export function isUnaliasedSelectItem(tokens: Token[], first: number, last: number): boolean {
  const next = tokens[last + 1];
  const endsItem = next === undefined || isPunct(next, ',') || isPunct(next, ')') || isPunct(next, ';') || (next.kind === 'ident' && ITEM_END.has(next.value.toLowerCase()));
  if (!endsItem) return false;
  const before = tokens[first - 1];
  if (!isPunct(before, ',') && !['select', 'distinct', 'all'].some((w) => isKeyword(before, w))) return false;
  let depth = 0;
  for (let k = first - 1; k >= 0; k--) {
    const t = tokens[k]!;
    if (isPunct(t, ')') || isPunct(t, ']')) depth++;
    else if (isPunct(t, '(') || isPunct(t, '[')) {
      if (--depth < 0) return false;
    } else if (depth === 0 && t.kind === 'ident') {
      const word = t.value.toLowerCase();
      if (word === 'select') return true;
      if (CLAUSE.has(word)) return false;
    }
  }
  return false;
}

// ` AS "name"`, whitespace runs collapsed as DuckDB prints expressions on one line.
export function columnAlias(name: string): string {
  return ` AS "${name.replace(/\s+/g, ' ').trim().replace(/"/g, '""')}"`;
}
