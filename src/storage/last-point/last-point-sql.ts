import { tokenize, type Token } from '../query/sql-lexer.js';
import type { ColumnDef } from '../types.js';
import type { QueryResult } from '../query/query-result.js';

// A SQL statement that asks for the newest (or oldest) points of some series of one table:
//   SELECT * | col, … FROM t [WHERE tag = 'v' AND …] ORDER BY time DESC LIMIT n
//   SELECT selector_last(field, time) [AS a], … FROM t [WHERE tag = 'v' AND …]   (or all selector_first)
export interface LastPointPattern {
  table: string;
  tags: Map<string, string>;
  // 'rows': the n newest rows; 'last'/'first': the newest/oldest value of each field.
  kind: 'rows' | 'last' | 'first';
  rows: number;
  fields: string[];
  // Where the time bound goes: the span of the WHERE condition, or after the table name when there is none.
  whereStart: number;
  whereEnd: number;
  hasWhere: boolean;
  // The spans of the select list and of the table name.
  items: [number, number];
  tableSpan: [number, number];
}

// The statement with `"time" >= bound` (or `<=` for first) added to its WHERE clause.
export function boundedSql(sql: string, p: LastPointPattern, boundNs: bigint): string {
  const cond = `"time" ${p.kind === 'first' ? '<=' : '>='} make_timestamp_ns(${boundNs.toString()})`;
  if (p.kind === 'rows') {
    // The filter in a subquery of its own: DuckDB then sorts the few rows it keeps instead of planning a top-n
    // over the table (several times slower here).
    const table = sql.slice(...p.tableSpan);
    const where = p.hasWhere ? `(${sql.slice(p.whereStart, p.whereEnd)}) AND ${cond}` : cond;
    return `SELECT ${sql.slice(...p.items)} FROM (SELECT * FROM ${table} WHERE ${where} OFFSET 0) AS ${table} ORDER BY "time" DESC LIMIT ${p.rows}`;
  }
  if (!p.hasWhere) return `${sql.slice(0, p.whereStart)} WHERE ${cond}${sql.slice(p.whereStart)}`;
  return `${sql.slice(0, p.whereStart)}(${sql.slice(p.whereStart, p.whereEnd)}) AND ${cond}${sql.slice(p.whereEnd)}`;
}

// Whether the bounded statement's result is the full statement's: all n rows were found, or every selector has a value.
export function boundedAnswers(p: LastPointPattern, result: QueryResult): boolean {
  if (p.kind === 'rows') return result.rows.length === p.rows;
  return result.rows.length === 1 && result.rows[0]!.every((v) => v !== null && v !== undefined);
}

const isName = (t: Token | undefined): t is Token => t !== undefined && (t.kind === 'ident' || t.kind === 'quoted');
const isWord = (t: Token | undefined, word: string): boolean => t?.kind === 'ident' && t.value.toLowerCase() === word;
const isPunct = (t: Token | undefined, p: string): boolean => t?.kind === 'punct' && t.value === p;

/** The pattern of a statement over one of `tables`, or undefined when it has another shape. */
export function lastPointPattern(sql: string, tables: ReadonlyArray<{ name: string; columns: ColumnDef[]; deleted?: boolean }>): LastPointPattern | undefined {
  // Cheap refusal of everything else before tokenising.
  if (!/order\s+by|selector_(last|first)/i.test(sql)) return undefined;
  const tokens = tokenize(sql);
  let end = tokens.length;
  while (end > 0 && isPunct(tokens[end - 1], ';')) end--;
  if (!isWord(tokens[0], 'select')) return undefined;
  let from = 1;
  while (from < end && !isWord(tokens[from], 'from')) from++;
  const tableTok = tokens[from + 1];
  if (!isName(tableTok)) return undefined;
  const table = tables.find((t) => t.name === tableTok.value && !t.deleted);
  if (!table) return undefined;
  const column = (name: string): ColumnDef | undefined => table.columns.find((c) => c.name === name);

  const select = selectList(tokens.slice(1, from), column);
  if (!select) return undefined;
  let i = from + 2;
  const tags = new Map<string, string>();
  let hasWhere = false;
  let whereStart = tableTok.end;
  let whereEnd = tableTok.end;
  if (isWord(tokens[i], 'where')) {
    hasWhere = true;
    i++;
    whereStart = tokens[i]?.start ?? sql.length;
    for (;;) {
      const [name, eq, value] = [tokens[i], tokens[i + 1], tokens[i + 2]];
      if (!isName(name) || !isPunct(eq, '=') || value?.kind !== 'string') return undefined;
      if (column(name.value)?.type !== 'tag') return undefined;
      const seen = tags.get(name.value);
      // `host = 'a' AND host = 'b'` matches nothing: leave it to the plain query.
      if (seen !== undefined && seen !== value.value) return undefined;
      tags.set(name.value, value.value);
      whereEnd = value.end;
      i += 3;
      if (!isWord(tokens[i], 'and')) break;
      i++;
    }
  }
  let rows = 1;
  if (select.kind === 'rows') {
    const [o, b, t, d, l, n] = tokens.slice(i, i + 6);
    if (!isWord(o, 'order') || !isWord(b, 'by') || !isName(t) || t.value !== 'time' || !isWord(d, 'desc') || !isWord(l, 'limit')) return undefined;
    if (n?.kind !== 'number' || !/^\d+$/.test(n.value)) return undefined;
    rows = Number(n.value);
    i += 6;
  }
  if (i !== end) return undefined;
  const items: [number, number] = [tokens[1]!.start, tokens[from - 1]!.end];
  return { table: table.name, tags, kind: select.kind, rows, fields: select.fields, whereStart, whereEnd, hasWhere, items, tableSpan: [tableTok.start, tableTok.end] };
}

// `*`, bare column names, or selector_last/selector_first(field, time) [AS alias] items.
function selectList(items: Token[], column: (name: string) => ColumnDef | undefined): { kind: LastPointPattern['kind']; fields: string[] } | undefined {
  if (items.length === 1 && isPunct(items[0], '*')) return { kind: 'rows', fields: [] };
  const fields: string[] = [];
  let kind: LastPointPattern['kind'] | undefined;
  let i = 0;
  while (i < items.length) {
    const t = items[i];
    let itemKind: LastPointPattern['kind'];
    if (isName(t) && (i + 1 === items.length || isPunct(items[i + 1], ','))) {
      if (!column(t.value)) return undefined;
      itemKind = 'rows';
      i++;
    } else {
      const fn = t?.kind === 'ident' ? t.value.toLowerCase() : '';
      const [open, arg, comma, time, close] = items.slice(i + 1, i + 6);
      if ((fn !== 'selector_last' && fn !== 'selector_first') || !isPunct(open, '(') || !isName(arg) || !isPunct(comma, ',')) return undefined;
      if (!isName(time) || time.value !== 'time' || !isPunct(close, ')')) return undefined;
      const type = column(arg.value)?.type;
      if (type === undefined || type === 'tag' || type === 'time') return undefined;
      fields.push(arg.value);
      itemKind = fn === 'selector_last' ? 'last' : 'first';
      i += 6;
      if (isWord(items[i], 'as') && isName(items[i + 1])) i += 2;
    }
    if (kind !== undefined && kind !== itemKind) return undefined;
    kind = itemKind;
    if (i < items.length) {
      if (!isPunct(items[i], ',')) return undefined;
      i++;
      if (i === items.length) return undefined;
    }
  }
  return kind ? { kind, fields } : undefined;
}
