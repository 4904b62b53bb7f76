import type { ColumnDef } from '../types.js';
import type { QueryParams, QueryResult } from './query-result.js';
import { identName, isKeyword, matchingParen, tokenize, type Token } from './sql-lexer.js';
import { callAlias, callArgs, parseWhere, type PredicateLiteral, type TableFunctionProvider } from './table-functions.js';

// `col` or `q.col`: [qualifier or undefined, column, next index].
function columnRef(tokens: Token[], i: number): [string | undefined, string, number] | undefined {
  const first = identName(tokens[i]);
  if (first === undefined) return undefined;
  if (tokens[i + 1]?.kind === 'punct' && tokens[i + 1]!.value === '.') {
    const col = identName(tokens[i + 2]);
    return col === undefined ? undefined : [first, col, i + 3];
  }
  return [undefined, first, i + 1];
}

// VARCHAR columns named like a tag of a table the query names read as Dictionary, as the planner reports them.
function tagColumns(tokens: Token[], tables: Array<{ name: string; columns: ColumnDef[] }>): Set<string> {
  const words = new Set<string>();
  for (const t of tokens) if (t.kind === 'ident') words.add(t.value.toLowerCase());
  else if (t.kind === 'quoted') words.add(t.value);
  const tags = new Set<string>();
  for (const t of tables) {
    if (!words.has(t.name) && !words.has(t.name.toLowerCase())) continue;
    for (const c of t.columns) if (c.type === 'tag') tags.add(c.name);
  }
  return tags;
}

/**
 * `SELECT * | col, … FROM last_cache(…) [alias] [WHERE key = lit AND key IN (…)]` answered straight from the
 * provider, without DuckDB, when the provider applied the whole WHERE clause itself. Anything else (expressions,
 * ORDER BY, other predicates, unknown or differently cased column names) returns undefined and takes the DuckDB
 * path, which gives the same rows.
 */
export function tableFunctionFastPath(
  sql: string,
  dbId: number,
  provider: TableFunctionProvider,
  params: QueryParams | undefined,
  tables: () => Array<{ name: string; columns: ColumnDef[] }>,
): QueryResult | undefined {
  if (!/^\s*select\s/i.test(sql)) return undefined;
  const tokens = tokenize(sql);
  let end = tokens.length;
  if (tokens[end - 1]?.kind === 'punct' && tokens[end - 1]!.value === ';') end--;
  let i = 1;
  let star = false;
  const wanted: Array<[string | undefined, string]> = [];
  if (tokens[1]?.kind === 'punct' && tokens[1].value === '*') {
    star = true;
    i = 2;
  } else {
    for (;;) {
      const ref = columnRef(tokens, i);
      if (!ref) return undefined;
      wanted.push([ref[0], ref[1]]);
      i = ref[2];
      if (tokens[i]?.kind === 'punct' && tokens[i]!.value === ',') i++;
      else break;
    }
  }
  if (!isKeyword(tokens[i], 'from')) return undefined;
  const fn = tokens[i + 1];
  if (fn?.kind !== 'ident' || !provider.names.has(fn.value.toLowerCase())) return undefined;
  if (!(tokens[i + 2]?.kind === 'punct' && tokens[i + 2]!.value === '(')) return undefined;
  const close = matchingParen(tokens, i + 2);
  if (close < 0) return undefined;
  const name = fn.value.toLowerCase();
  const { qualifier, next } = callAlias(tokens, close + 1, name);
  let predicates = new Map<string, PredicateLiteral[][]>();
  if (next !== end) {
    if (!isKeyword(tokens[next], 'where')) return undefined;
    const where = parseWhere(tokens, next, qualifier, params);
    if (!where.complete || where.end !== end || where.predicates.size === 0) return undefined;
    predicates = where.predicates;
  }
  if (wanted.some(([q]) => q !== undefined && q.toLowerCase() !== qualifier.toLowerCase())) return undefined;
  const table = provider.call(dbId, { name, args: callArgs(tokens, i + 2, close), predicates });
  for (const col of predicates.keys()) if (!table.applied?.has(col)) return undefined;
  let picks: number[];
  if (star) picks = table.columns.map((_, k) => k);
  else {
    picks = wanted.map(([, col]) => table.columns.findIndex((c) => c.name === col));
    if (picks.some((k) => k < 0) || new Set(picks).size !== picks.length) return undefined;
  }
  const tags = tagColumns(tokens, tables());
  return {
    columns: picks.map((k) => {
      const c = table.columns[k]!;
      return { name: c.name, type: c.type === 'Utf8' && tags.has(c.name) ? 'Dictionary(Int32, Utf8)' : c.type };
    }),
    rows: star ? table.rows.map((r) => [...r]) : table.rows.map((r) => picks.map((k) => r[k])),
  };
}
