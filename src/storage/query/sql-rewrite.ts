import { identName, isKeyword, matchingParen, tokenAt, type Token } from './sql-lexer.js';

// A table reference found in the parsed statement, with the span of its (possibly dotted) name.
export interface TableSite {
  catalog: string;
  schema: string;
  table: string;
  hasAlias: boolean;
  start: number;
  end: number;
}

// A call `arrow_cast(expr, 'Type')`: the whole call's span, the first argument's span and the type string.
export interface ArrowCastSite {
  start: number;
  end: number;
  argStart: number;
  argEnd: number;
  typeName: string | undefined;
}

// Replaces [start, end); `inner` renders a sub-span with the edits nested inside it applied. A render that returns
// undefined leaves its span as written (edits nested inside it still apply).
export interface Edit {
  start: number;
  end: number;
  render: (inner: (start: number, end: number) => string) => string | undefined;
}

// json_serialize_sql reports byte offsets; the lexer works in UTF-16 code units.
function byteToCharMapper(sql: string): (byte: number) => number {
  if (/^[\x00-\x7f]*$/.test(sql)) return (b) => b;
  const buf = Buffer.from(sql, 'utf8');
  return (b) => buf.subarray(0, b).toString('utf8').length;
}

function collectBaseTables(node: unknown, out: Array<Record<string, unknown>>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectBaseTables(item, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (obj.type === 'BASE_TABLE' && typeof obj.table_name === 'string') out.push(obj);
  for (const value of Object.values(obj)) if (value !== null && typeof value === 'object') collectBaseTables(value, out);
}

// Table references of a json_serialize_sql AST, located in the SQL text through the lexer.
export function findTableSites(sql: string, tokens: Token[], ast: unknown): TableSite[] {
  const refs: Array<Record<string, unknown>> = [];
  collectBaseTables(ast, refs);
  const toChar = byteToCharMapper(sql);
  const bytes = Buffer.byteLength(sql, 'utf8');
  const sites: TableSite[] = [];
  for (const ref of refs) {
    const loc = Number(ref.query_location);
    if (!Number.isFinite(loc) || loc < 0 || loc >= bytes) continue;
    const catalog = String(ref.catalog_name ?? '');
    const schema = String(ref.schema_name ?? '');
    const table = String(ref.table_name);
    const expected = [catalog, schema, table].filter((p) => p !== '');
    let i = tokenAt(tokens, toChar(loc));
    const parts: string[] = [];
    const start = tokens[i]?.start ?? -1;
    let end = start;
    while (parts.length < expected.length) {
      const name = identName(tokens[i]);
      if (name === undefined) break;
      parts.push(name);
      end = tokens[i]!.end;
      if (parts.length < expected.length && !(tokens[i + 1]?.kind === 'punct' && tokens[i + 1]!.value === '.')) break;
      i += 2;
    }
    if (parts.length !== expected.length || parts.some((p, k) => p !== expected[k])) continue;
    sites.push({ catalog, schema, table, hasAlias: String(ref.alias ?? '') !== '', start, end });
  }
  return sites;
}

// Every arrow_cast(...) call; found lexically, since a name followed by `(` is always a call.
export function findArrowCasts(tokens: Token[]): ArrowCastSite[] {
  const sites: ArrowCastSite[] = [];
  for (let i = 0; i < tokens.length - 1; i++) {
    if (!isKeyword(tokens[i], 'arrow_cast') || tokens[i + 1]!.value !== '(' || tokens[i + 1]!.kind !== 'punct') continue;
    const close = matchingParen(tokens, i + 1);
    if (close < 0) continue;
    const commas: number[] = [];
    let depth = 0;
    for (let k = i + 2; k < close; k++) {
      const t = tokens[k]!;
      if (t.kind !== 'punct') continue;
      if (t.value === '(' || t.value === '[') depth++;
      else if (t.value === ')' || t.value === ']') depth--;
      else if (t.value === ',' && depth === 0) commas.push(k);
    }
    if (commas.length !== 1 || commas[0] === i + 2) continue;
    const typeTokens = tokens.slice(commas[0]! + 1, close);
    sites.push({
      start: tokens[i]!.start,
      end: tokens[close]!.end,
      argStart: tokens[i + 2]!.start,
      argEnd: tokens[commas[0]! - 1]!.end,
      typeName: typeTokens.length === 1 && typeTokens[0]!.kind === 'string' ? typeTokens[0]!.value : undefined,
    });
  }
  return sites;
}

// Applies edits that may nest (arrow_cast inside arrow_cast); overlapping, non-nested edits are not expected.
export function applyEdits(sql: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || b.end - a.end);
  const render = (start: number, end: number, skip?: Edit): string => {
    let out = '';
    let pos = start;
    for (const edit of sorted) {
      if (edit === skip || edit.start < pos || edit.end > end) continue;
      // The edit's own span, asked for from inside it, is the text as written (with the edits nested inside).
      const inner = (s: number, e: number): string => render(s, e, s === edit.start && e === edit.end ? edit : undefined);
      out += sql.slice(pos, edit.start) + (edit.render(inner) ?? render(edit.start, edit.end, edit));
      pos = edit.end;
    }
    return out + sql.slice(pos, end);
  };
  return render(0, sql.length);
}
