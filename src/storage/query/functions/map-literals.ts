import type { Token } from '../sql-lexer.js';
import type { Edit } from '../sql-rewrite.js';

const isPunct = (t: Token | undefined, v: string): boolean => t?.kind === 'punct' && t.value === v;

// The index of the bracket closing the one at `open` ((, [ and { all nest), or -1.
function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if ('([{'.includes(t.value)) depth++;
    else if (')]}'.includes(t.value) && --depth === 0) return i;
  }
  return -1;
}

/**
 * Integer literals are Int64 in DataFusion and INTEGER in DuckDB, so `map([400, 401], [...])` and
 * `MAP {400: 'Bad Request'}` would come back Map(Int32, ...): inside a map's construction integer literals are BIGINT.
 */
export function mapIntegerEdits(tokens: Token[]): Edit[] {
  const edits: Edit[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' || t.value.toLowerCase() !== 'map' || isPunct(tokens[i - 1], '.')) continue;
    if (!isPunct(tokens[i + 1], '(') && !isPunct(tokens[i + 1], '{')) continue;
    const close = closing(tokens, i + 1);
    for (let k = i + 2; k < close; k++) {
      const n = tokens[k]!;
      // Not a subscript's index or a type's size: only a value written in the map.
      if (n.kind !== 'number' || !/^\d{1,18}$/.test(n.value) || isPunct(tokens[k - 1], '(') && tokens[k - 2]?.kind === 'ident') continue;
      edits.push({ start: n.start, end: n.end, render: () => `CAST(${n.value} AS BIGINT)` });
    }
    if (close > 0) i = close;
  }
  return edits;
}
