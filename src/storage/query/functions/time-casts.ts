import { isKeyword, type Token } from '../sql-lexer.js';
import type { Edit } from '../sql-rewrite.js';

const isPunct = (t: Token | undefined, value: string): boolean => t?.kind === 'punct' && t.value === value;

/**
 * DataFusion's TIMESTAMP type is Timestamp(Nanosecond): `x::TIMESTAMP`, `CAST(x AS TIMESTAMP)` and
 * `TIMESTAMP '...'` become DuckDB's TIMESTAMP_NS (its TIMESTAMP is microseconds). `TIMESTAMP WITH TIME ZONE` stays.
 */
export function timestampTypeEdits(tokens: Token[]): Edit[] {
  const edits: Edit[] = [];
  tokens.forEach((t, i) => {
    if (!isKeyword(t, 'timestamp') || isKeyword(tokens[i + 1], 'with')) return;
    const cast = isPunct(tokens[i - 1], ':') && isPunct(tokens[i - 2], ':');
    const castAs = isKeyword(tokens[i - 1], 'as') && isPunct(tokens[i + 1], ')') && insideCast(tokens, i);
    const literal = tokens[i + 1]?.kind === 'string' && !isPunct(tokens[i - 1], '.');
    // An integer cast to TIMESTAMP counts nanoseconds since the epoch (DuckDB has no such cast).
    const number = tokens[i - 3];
    if (cast && number?.kind === 'number' && /^\d+$/.test(number.value)) {
      const value = number.value;
      edits.push({ start: number.start, end: t.end, render: () => `make_timestamp_ns(${value})` });
    } else if (cast || castAs || literal) edits.push({ start: t.start, end: t.end, render: () => 'TIMESTAMP_NS' });
  });
  return edits;
}

// The parenthesis enclosing token `at` opens CAST( or TRY_CAST( (not a subquery's `AS timestamp)` alias).
function insideCast(tokens: Token[], at: number): boolean {
  let depth = 0;
  for (let k = at - 1; k >= 0; k--) {
    const t = tokens[k]!;
    if (isPunct(t, ')')) depth++;
    else if (isPunct(t, '(')) {
      if (depth === 0) return isKeyword(tokens[k - 1], 'cast') || isKeyword(tokens[k - 1], 'try_cast');
      depth--;
    }
  }
  return false;
}
