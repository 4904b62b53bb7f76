import { quoteIdent, quoteLiteral } from './sql-names.js';
import type { QueryParams } from './query-result.js';
import { identName, isKeyword, matchingParen, type Token } from './sql-lexer.js';
import type { Edit } from './sql-rewrite.js';
import type { VirtualColumnType, VirtualTable } from './system-tables.js';
import { DUCK_TYPE, tempTableRef } from './virtual-table-loader.js';

// A literal a WHERE clause compares a column with.
export type PredicateLiteral = { kind: 'string'; value: string } | { kind: 'number'; text: string } | { kind: 'bool'; value: boolean };

// One call such as `last_cache('cpu', 'name')`, with what its WHERE clause pins down.
export interface TableFunctionCall {
  name: string;
  // Each argument's string value; undefined where the argument is not a single string literal.
  args: Array<string | undefined>;
  // Column → IN lists from top-level `col = lit` / `col IN (lits)` conjuncts; every list must hold.
  // Only a hint for narrowing: the WHERE clause still runs on the rows returned.
  predicates: Map<string, PredicateLiteral[][]>;
}

// A table function's rows; `applied` names the predicate columns already fully applied to them.
export interface TableFunctionResult extends VirtualTable {
  applied?: ReadonlySet<string>;
}

// Table functions computed outside DuckDB (the caches); their rows are materialised for the one query.
export interface TableFunctionProvider {
  readonly names: ReadonlySet<string>;
  call(dbId: number, call: TableFunctionCall): TableFunctionResult;
}

// Up to this many rows go inline into the SQL as VALUES (no temp table round trips); more use a temp table.
const INLINE_ROWS = 200;

const CLAUSE_END = new Set(['group', 'order', 'limit', 'offset', 'having', 'window', 'qualify', 'union', 'except', 'intersect', 'fetch', 'using', 'returning']);
const NOT_ALIAS = new Set([
  'where', 'join', 'inner', 'left', 'right', 'full', 'cross', 'natural', 'on', 'using', 'positional', 'asof', 'anti', 'semi',
  'lateral', 'pivot', 'unpivot', 'tablesample', ...CLAUSE_END,
]);


// A value as a typed SQL literal (strings through quoteLiteral; numbers as strings DuckDB parses exactly).
function literal(type: VirtualColumnType, v: unknown): string {
  const duck = DUCK_TYPE[type];
  if (v === null || v === undefined) return `CAST(NULL AS ${duck})`;
  switch (type) {
    case 'Utf8':
      return quoteLiteral(String(v));
    case 'Boolean':
      return v ? 'true' : 'false';
    case 'Float64': {
      const n = Number(v);
      const text = Number.isNaN(n) ? 'nan' : n === Infinity ? 'inf' : n === -Infinity ? '-inf' : String(n);
      return `CAST('${text}' AS DOUBLE)`;
    }
    case 'Timestamp(Nanosecond, None)':
      return `make_timestamp_ns(CAST('${String(v)}' AS BIGINT))`;
    case 'Timestamp(Second, None)':
      return `make_timestamp(CAST('${String(v)}' AS BIGINT) * 1000000)::TIMESTAMP_S`;
    case 'Interval(MonthDayNano)':
      return `to_microseconds(CAST(${Math.round(Number(v) * 1000)} AS BIGINT))`;
    case 'List(Utf8)':
    case 'List(UInt16)':
      return `CAST([${(v as unknown[]).map((x) => (type === 'List(Utf8)' ? quoteLiteral(String(x)) : String(x))).join(', ')}] AS ${duck})`;
    default:
      return `CAST('${String(v)}' AS ${duck})`;
  }
}

// `(SELECT typed NULLs AS names WHERE false UNION ALL VALUES …)`: names and types hold even with no rows.
export function inlineTableSql(table: VirtualTable): string {
  const head = table.columns.map((c) => `CAST(NULL AS ${DUCK_TYPE[c.type]}) AS ${quoteIdent(c.name)}`).join(', ');
  if (table.rows.length === 0) return `(SELECT ${head} WHERE false)`;
  const values = table.rows.map((row) => `(${table.columns.map((c, i) => literal(c.type, row[i])).join(', ')})`).join(', ');
  return `(SELECT ${head} WHERE false UNION ALL VALUES ${values})`;
}

function literalAt(tokens: Token[], i: number, params: QueryParams | undefined): [PredicateLiteral, number] | undefined {
  const t = tokens[i];
  if (!t) return undefined;
  if (t.kind === 'string') return [{ kind: 'string', value: t.value }, i + 1];
  if (t.kind === 'number') return [{ kind: 'number', text: t.value }, i + 1];
  if (t.kind === 'punct' && t.value === '-' && tokens[i + 1]?.kind === 'number') return [{ kind: 'number', text: `-${tokens[i + 1]!.value}` }, i + 2];
  if (isKeyword(t, 'true') || isKeyword(t, 'false')) return [{ kind: 'bool', value: isKeyword(t, 'true') }, i + 1];
  if (t.kind === 'param') {
    const v = params?.[t.value];
    if (typeof v === 'string') return [{ kind: 'string', value: v }, i + 1];
    if (typeof v === 'number' && Number.isSafeInteger(v)) return [{ kind: 'number', text: String(v) }, i + 1];
    if (typeof v === 'boolean') return [{ kind: 'bool', value: v }, i + 1];
  }
  return undefined;
}

// A column reference: `col`, or `q.col` where q is the call's alias.
function columnAt(tokens: Token[], i: number, qualifier: string): [string, number] | undefined {
  const name = identName(tokens[i]);
  if (name === undefined || isKeyword(tokens[i], 'true') || isKeyword(tokens[i], 'false')) return undefined;
  const dot = tokens[i + 1];
  if (dot?.kind === 'punct' && dot.value === '.') {
    const col = identName(tokens[i + 2]);
    if (col === undefined || name.toLowerCase() !== qualifier.toLowerCase()) return undefined;
    return [col, i + 3];
  }
  return [name, i + 1];
}

// `col = lit`, `lit = col` or `col IN (lit, …)` spanning exactly [from, to).
function termPredicate(tokens: Token[], from: number, to: number, qualifier: string, params: QueryParams | undefined): [string, PredicateLiteral[]] | undefined {
  const eq = (i: number): boolean => tokens[i]?.kind === 'punct' && tokens[i]!.value === '=';
  const col = columnAt(tokens, from, qualifier);
  if (col && eq(col[1])) {
    const lit = literalAt(tokens, col[1] + 1, params);
    if (lit && lit[1] === to) return [col[0], [lit[0]]];
  }
  if (col && isKeyword(tokens[col[1]], 'in') && tokens[col[1] + 1]?.value === '(' && tokens[to - 1]?.value === ')') {
    const list: PredicateLiteral[] = [];
    let i = col[1] + 2;
    for (;;) {
      const lit = literalAt(tokens, i, params);
      if (!lit) return undefined;
      list.push(lit[0]);
      i = lit[1];
      if (tokens[i]?.kind === 'punct' && tokens[i]!.value === ',') i++;
      else break;
    }
    return i === to - 1 ? [col[0], list] : undefined;
  }
  const lit = literalAt(tokens, from, params);
  if (lit && eq(lit[1])) {
    const rhs = columnAt(tokens, lit[1] + 1, qualifier);
    if (rhs && rhs[1] === to) return [rhs[0], [lit[0]]];
  }
  return undefined;
}

// What a WHERE clause pins down; `complete` when every conjunct was understood; `end`: the token after the clause.
export interface ParsedWhere {
  predicates: Map<string, PredicateLiteral[][]>;
  complete: boolean;
  end: number;
}

/**
 * The conjuncts of the WHERE clause starting at `where` that pin a column to literals. Conservative: a clause
 * with a top-level OR, BETWEEN or CASE yields nothing; terms of any other shape are skipped (DuckDB applies them).
 */
export function parseWhere(tokens: Token[], where: number, qualifier: string, params?: QueryParams): ParsedWhere {
  const predicates = new Map<string, PredicateLiteral[][]>();
  const terms: Array<[number, number]> = [];
  let start = where + 1;
  let depth = 0;
  let i = where + 1;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct') {
      if (t.value === '(' || t.value === '[') depth++;
      else if (t.value === ')' || t.value === ']') {
        if (depth === 0) break;
        depth--;
      } else if (t.value === ';' && depth === 0) break;
      continue;
    }
    if (depth > 0 || t.kind !== 'ident') continue;
    const word = t.value.toLowerCase();
    if (CLAUSE_END.has(word)) break;
    if (word === 'or' || word === 'between' || word === 'case') return { predicates: new Map(), complete: false, end: i };
    if (word === 'and') {
      terms.push([start, i]);
      start = i + 1;
    }
  }
  terms.push([start, i]);
  let complete = true;
  for (const [from, to] of terms) {
    const p = termPredicate(tokens, from, to, qualifier, params);
    if (!p) {
      complete = false;
      continue;
    }
    const lists = predicates.get(p[0]) ?? [];
    lists.push(p[1]);
    predicates.set(p[0], lists);
  }
  return { predicates, complete, end: i };
}

export function wherePredicates(tokens: Token[], where: number, qualifier: string, params?: QueryParams): Map<string, PredicateLiteral[][]> {
  return parseWhere(tokens, where, qualifier, params).predicates;
}

// The arguments between `(` and its `)`: each a lone string literal, or undefined for anything else.
export function callArgs(tokens: Token[], open: number, close: number): Array<string | undefined> {
  if (close === open + 1) return [];
  const arg = (from: number, to: number): string | undefined =>
    to === from + 1 && tokens[from]!.kind === 'string' ? tokens[from]!.value : undefined;
  const args: Array<string | undefined> = [];
  let from = open + 1;
  let depth = 0;
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if (t.value === '(' || t.value === '[') depth++;
    else if (t.value === ')' || t.value === ']') depth--;
    else if (t.value === ',' && depth === 0) {
      args.push(arg(from, i));
      from = i + 1;
    }
  }
  args.push(arg(from, close));
  return args;
}

// The alias after a call (`AS x` or `x`), else the function name, and the index of the token after it.
export function callAlias(tokens: Token[], j: number, name: string): { qualifier: string; next: number } {
  if (isKeyword(tokens[j], 'as') && identName(tokens[j + 1]) !== undefined) return { qualifier: identName(tokens[j + 1])!, next: j + 2 };
  if (identName(tokens[j]) !== undefined && !(tokens[j]!.kind === 'ident' && NOT_ALIAS.has(tokens[j]!.value.toLowerCase()))) {
    return { qualifier: identName(tokens[j])!, next: j + 1 };
  }
  return { qualifier: name, next: j };
}

/**
 * Finds calls of the provider's table functions (`FROM last_cache('t')`), asks the provider for their rows
 * (narrowed by the WHERE clause when the call is the only FROM item) and replaces each call with an inline
 * VALUES subquery, or a temp table when the rows are many.
 */
export function planTableFunctions(
  tokens: Token[],
  dbId: number,
  provider: TableFunctionProvider,
  params: QueryParams | undefined,
): { edits: Edit[]; virtual: Array<{ name: string; table: VirtualTable }> } {
  const edits: Edit[] = [];
  const virtual: Array<{ name: string; table: VirtualTable }> = [];
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' || !provider.names.has(t.value.toLowerCase())) continue;
    if (!(tokens[i + 1]!.kind === 'punct' && tokens[i + 1]!.value === '(')) continue;
    if (tokens[i - 1]?.kind === 'punct' && tokens[i - 1]!.value === '.') continue;
    const close = matchingParen(tokens, i + 1);
    if (close < 0) continue;
    const name = t.value.toLowerCase();
    const { qualifier, next: j } = callAlias(tokens, close + 1, name);
    const soleFromItem = isKeyword(tokens[i - 1], 'from') && isKeyword(tokens[j], 'where');
    const predicates = soleFromItem ? wherePredicates(tokens, j, qualifier, params) : new Map<string, PredicateLiteral[][]>();
    const table = provider.call(dbId, { name, args: callArgs(tokens, i + 1, close), predicates });
    let text: string;
    if (table.rows.length <= INLINE_ROWS) {
      text = inlineTableSql(table);
    } else {
      const tempName = `__iox_fn_${virtual.length}`;
      virtual.push({ name: tempName, table });
      text = `(SELECT * FROM ${tempTableRef(tempName)})`;
    }
    edits.push({ start: t.start, end: tokens[close]!.end, render: () => text });
    i = close;
  }
  return { edits, virtual };
}
