import { isKeyword, matchingParen, type Token } from '../sql-lexer.js';
import type { Edit } from '../sql-rewrite.js';
import { operandStart, isPunct } from './operands.js';
import { columnAlias, isUnaliasedSelectItem } from './select-items.js';

// DuckDB's integer types by the names DataFusion's SQL (and DuckDB) accept, as DuckDB names them in a column.
const INTEGER_TYPES: Record<string, string> = {
  tinyint: 'TINYINT', int1: 'TINYINT', smallint: 'SMALLINT', int2: 'SMALLINT', short: 'SMALLINT',
  int: 'INTEGER', integer: 'INTEGER', int4: 'INTEGER', signed: 'INTEGER',
  bigint: 'BIGINT', int8: 'BIGINT', long: 'BIGINT', hugeint: 'HUGEINT', int128: 'HUGEINT',
  utinyint: 'UTINYINT', usmallint: 'USMALLINT', uinteger: 'UINTEGER', ubigint: 'UBIGINT', uhugeint: 'UHUGEINT',
};
// DataFusion's `INT UNSIGNED` family (in DuckDB, `x::INT UNSIGNED` would alias the column "UNSIGNED").
const UNSIGNED: Record<string, string> = { tinyint: 'UTINYINT', smallint: 'USMALLINT', int: 'UINTEGER', integer: 'UINTEGER', bigint: 'UBIGINT' };

// The integer type named by tokens [from, to), or undefined when they name anything else.
function integerType(tokens: Token[], from: number, to: number): string | undefined {
  const name = tokens[from]?.kind === 'ident' ? tokens[from]!.value.toLowerCase() : undefined;
  if (name === undefined) return undefined;
  if (to - from === 2 && isKeyword(tokens[from + 1], 'unsigned')) return UNSIGNED[name];
  return to - from === 1 ? INTEGER_TYPES[name] : undefined;
}

// Float64 (and Decimal) to integer casts truncate toward zero in DataFusion (arrow's cast) where DuckDB rounds:
// 1.6::BIGINT is 1, not 2. The value's type is only known to DuckDB, so the cast asks it: typeof() is folded while
// planning, leaving one branch. Anything not fractional keeps its cast, errors included.
function truncatingCast(value: string, type: string, fn: 'CAST' | 'TRY_CAST'): string {
  const fractional = `typeof(${value}) IN ('FLOAT', 'DOUBLE') OR typeof(${value}) LIKE 'DECIMAL%'`;
  return `(CASE WHEN ${fractional} THEN ${fn}(trunc(TRY_CAST(${value} AS DOUBLE)) AS ${type}) ELSE ${fn}(${value} AS ${type}) END)`;
}

// An unaliased cast that is a whole SELECT item keeps the name DuckDB gave it before the rewrite (needs the SQL text).
function castEdit(sql: string | undefined, tokens: Token[], first: number, last: number, value: { start: number; end: number }, type: string, fn: 'CAST' | 'TRY_CAST'): Edit {
  const alias = sql !== undefined && isUnaliasedSelectItem(tokens, first, last) ? columnAlias(`${fn}(${sql.slice(value.start, value.end)} AS ${type})`) : '';
  return {
    start: tokens[first]!.start,
    end: tokens[last]!.end,
    render: (inner) => truncatingCast(inner(value.start, value.end), type, fn) + alias,
  };
}

// Edits for every `CAST(x AS <integer>)`, `TRY_CAST(x AS <integer>)` and `x::<integer>` in the statement.
export function integerCastEdits(tokens: Token[], sql?: string): Edit[] {
  const edits: Edit[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]!;
    const fn = isKeyword(t, 'cast') ? 'CAST' : isKeyword(t, 'try_cast') ? 'TRY_CAST' : undefined;
    if (fn && isPunct(tokens[i + 1], '(') && !isPunct(tokens[i - 1], '.')) {
      const close = matchingParen(tokens, i + 1);
      if (close < 0) continue;
      // The last top-level AS separates the value from the type.
      let as = -1;
      let depth = 0;
      for (let k = i + 2; k < close; k++) {
        const tk = tokens[k]!;
        if (isPunct(tk, '(') || isPunct(tk, '[')) depth++;
        else if (isPunct(tk, ')') || isPunct(tk, ']')) depth--;
        else if (depth === 0 && isKeyword(tk, 'as')) as = k;
      }
      const type = as > i + 2 ? integerType(tokens, as + 1, close) : undefined;
      if (type) edits.push(castEdit(sql, tokens, i, close, { start: tokens[i + 2]!.start, end: tokens[as - 1]!.end }, type, fn));
      continue;
    }
    // `x::type`: two adjacent colons, the type, and nothing that makes it another type (BIGINT[], INT(11)).
    if (!isPunct(t, ':') || !isPunct(tokens[i + 1], ':') || tokens[i + 1]!.start !== t.end) continue;
    const typeAt = i + 2;
    const typeEnd = isKeyword(tokens[typeAt + 1], 'unsigned') ? typeAt + 2 : typeAt + 1;
    const type = integerType(tokens, typeAt, typeEnd);
    if (!type || isPunct(tokens[typeEnd], '[') || isPunct(tokens[typeEnd], '(')) continue;
    const first = operandStart(tokens, i - 1);
    if (first < 0) continue;
    edits.push(castEdit(sql, tokens, first, typeEnd - 1, { start: tokens[first]!.start, end: tokens[i - 1]!.end }, type, 'CAST'));
  }
  return edits;
}
