import { quoteLiteral } from './sql-names.js';
import { identName, isKeyword, tokenize, type Token } from './sql-lexer.js';

const SHOW_TABLES_SQL = 'SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables';
const COLUMN_LIST = 'table_catalog, table_schema, table_name, column_name, data_type, is_nullable';

// The query to run instead, plus the table a SHOW COLUMNS / DESCRIBE must find.
export interface ShowTranslation {
  sql: string;
  // SHOW COLUMNS / DESCRIBE name a table; the caller checks it exists (DataFusion errors when it does not).
  table?: { schema?: string; name: string; statement: 'SHOW COLUMNS' | 'DESCRIBE' };
}

function significant(tokens: Token[]): Token[] {
  const last = tokens[tokens.length - 1];
  return last?.kind === 'punct' && last.value === ';' ? tokens.slice(0, -1) : tokens;
}

// A dotted name made only of identifiers: `cpu`, `iox.cpu`, `public.iox."my table"`.
function dottedName(tokens: Token[]): string[] | undefined {
  const parts: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (i % 2 === 1) {
      if (tokens[i]!.kind !== 'punct' || tokens[i]!.value !== '.') return undefined;
      continue;
    }
    const name = identName(tokens[i]);
    if (name === undefined) return undefined;
    parts.push(name);
  }
  return tokens.length % 2 === 1 && parts.length <= 3 ? parts : undefined;
}

function columnsQuery(select: string, parts: string[]): string {
  const name = parts[parts.length - 1]!;
  let where = `table_name = ${quoteLiteral(name)}`;
  if (parts.length >= 2) where += ` AND table_schema = ${quoteLiteral(parts[parts.length - 2]!)}`;
  if (parts.length === 3) where += ` AND table_catalog = ${quoteLiteral(parts[0]!)}`;
  return `SELECT ${select} FROM information_schema.columns WHERE ${where}`;
}

/**
 * DataFusion's SHOW TABLES, SHOW [FULL|ALL] COLUMNS FROM|IN t and DESCRIBE t, as queries over our
 * information_schema (DuckDB's own versions return different columns). Anything else is returned as is.
 */
export function translateShow(sql: string): ShowTranslation {
  const tokens = significant(tokenize(sql));
  if (isKeyword(tokens[0], 'show')) {
    if (tokens.length === 2 && isKeyword(tokens[1], 'tables')) return { sql: SHOW_TABLES_SQL };
    let i = 1;
    let full = false;
    if (isKeyword(tokens[i], 'full') || isKeyword(tokens[i], 'all')) {
      full = true;
      i++;
    }
    if (isKeyword(tokens[i], 'columns') && (isKeyword(tokens[i + 1], 'from') || isKeyword(tokens[i + 1], 'in'))) {
      const parts = dottedName(tokens.slice(i + 2));
      if (parts) {
        return {
          sql: columnsQuery(full ? '*' : COLUMN_LIST, parts),
          table: { schema: parts.length >= 2 ? parts[parts.length - 2] : undefined, name: parts[parts.length - 1]!, statement: 'SHOW COLUMNS' },
        };
      }
    }
  }
  if ((isKeyword(tokens[0], 'describe') || isKeyword(tokens[0], 'desc')) && tokens.length >= 2) {
    const parts = dottedName(tokens.slice(1));
    if (parts) {
      return {
        sql: columnsQuery('column_name, data_type, is_nullable', parts),
        table: { schema: parts.length >= 2 ? parts[parts.length - 2] : undefined, name: parts[parts.length - 1]!, statement: 'DESCRIBE' },
      };
    }
  }
  return { sql };
}
