import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, schemaName } from './sql-names.js';
import type { ColumnDef } from '../types.js';
import { arrowCastSql } from './arrow-cast.js';
import { informationSchemaTable, type SchemaSnapshot } from './information-schema.js';
import { planningError, tableNotFound } from './query-errors.js';
import { tokenize, type Token } from './sql-lexer.js';
import { applyEdits, findArrowCasts, findTableSites, type Edit } from './sql-rewrite.js';
import { functionEdits } from './functions/index.js';
import { timeQueryEdits } from './functions/time-query-edits.js';
import { tempTableRef } from './virtual-table-loader.js';
import type { SystemTableProvider, VirtualTable } from './system-tables.js';
import { planTableFunctions, type TableFunctionProvider } from './table-functions.js';
import type { QueryParams } from './query-result.js';

// The database a query runs against, as the planner needs it.
export interface PlanContext {
  dbId: number;
  dbName: string;
  tables: Array<{ name: string; columns: ColumnDef[] }>;
  systemTables: SystemTableProvider | undefined;
  snapshot: () => SchemaSnapshot;
  tableFunctions?: TableFunctionProvider;
  // The query's $parameters, so `WHERE key = $p` can narrow a table function too.
  params?: QueryParams;
}

// The DuckDB SQL to run and what must exist on the connection first.
export interface QueryPlan {
  sql: string;
  // Temp tables to create on the connection before running `sql`.
  virtual: Array<{ name: string; table: VirtualTable }>;
  // VARCHAR result columns of these names come from tags.
  tagColumns: Set<string>;
}

// The parsed statement as JSON, or undefined when DuckDB cannot serialise it (not a SELECT, syntax error).
async function serialize(conn: DuckDBConnection, sql: string): Promise<unknown> {
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql(CAST($sql AS VARCHAR))', { sql });
  const json = JSON.parse(String(reader.getRows()[0]?.[0] ?? '{}')) as { error?: boolean; statements?: unknown[] };
  return json.error || !json.statements ? undefined : json.statements;
}

// Tables a query mentions by name (bare names in any case, quoted ones exactly), plus `extra` (found through the
// AST): to tell tag columns in its result from string fields, and to list valid fields in an error.
export function tablesNamedIn<T extends { name: string }>(tokens: Token[], tables: T[], extra: ReadonlySet<string> = new Set()): T[] {
  const words = new Set<string>();
  const exact = new Set<string>();
  for (const t of tokens) {
    if (t.kind === 'ident') words.add(t.value.toLowerCase());
    else if (t.kind === 'quoted') exact.add(t.value);
  }
  return tables.filter((t) => extra.has(t.name) || exact.has(t.name) || words.has(t.name.toLowerCase()));
}

/**
 * Turns InfluxDB-flavoured SQL into DuckDB SQL for one database: `iox.t` and `public.iox.t` go to the
 * database's schema, `system.*` and `information_schema.*` to temp tables filled for this query, and
 * `arrow_cast(x, 'Type')` to a CAST. Only spans located through the parsed AST are rewritten, so
 * string literals and comments are never touched.
 */
export async function planQuery(conn: DuckDBConnection, sql: string, ctx: PlanContext): Promise<QueryPlan> {
  const tokens = tokenize(sql);
  refuseEscapingFunctions(tokens);
  const edits: Edit[] = [];
  const virtual = new Map<string, { name: string; table: VirtualTable }>();
  const userTables = new Set<string>();

  for (const cast of findArrowCasts(tokens)) {
    if (cast.typeName === undefined) throw planningError('arrow_cast requires its second argument to be a constant string');
    const typeName = cast.typeName;
    if (arrowCastSql(typeName, 'NULL') === undefined) throw planningError(`Unsupported type '${typeName}' in arrow_cast`);
    edits.push({ start: cast.start, end: cast.end, render: (inner) => arrowCastSql(typeName, inner(cast.argStart, cast.argEnd))! });
  }

  // The tags of the tables queried, filled once the table references are known below (edits render at the end):
  // arrow_typeof names a tag column's type Dictionary(Int32, Utf8).
  const tableTags = new Set<string>();
  edits.push(...functionEdits(tokens, sql, tableTags), ...timeQueryEdits(sql, tokens));

  if (ctx.tableFunctions) {
    const fns = planTableFunctions(tokens, ctx.dbId, ctx.tableFunctions, ctx.params);
    edits.push(...fns.edits);
    for (const v of fns.virtual) virtual.set(`fn.${v.name}`, v);
  }

  const qualified = tokens.some((t) => t.kind === 'punct' && t.value === '.');
  const ast = qualified ? await serialize(conn, sql) : undefined;
  for (const site of ast ? findTableSites(sql, tokens, ast) : []) {
    const catalog = site.catalog.toLowerCase();
    const schema = site.schema.toLowerCase();
    if (catalog !== '' && catalog !== 'public') throw tableNotFound(`${site.catalog}.${site.schema}.${site.table}`);
    if (schema === '') continue;
    const alias = site.hasAlias ? '' : ` AS ${quoteIdent(site.table)}`;
    let target: string;
    if (schema === 'iox') {
      userTables.add(site.table);
      target = `${quoteIdent(schemaName(ctx.dbId))}.${quoteIdent(site.table)}`;
    } else if (schema === 'system' || schema === 'information_schema') {
      const name = site.table.toLowerCase();
      const key = `${schema}.${name}`;
      let entry = virtual.get(key);
      if (!entry) {
        const table =
          schema === 'system' ? ctx.systemTables?.(ctx.dbName, name) : informationSchemaTable(name, ctx.snapshot);
        if (!table) throw tableNotFound(`public.${schema}.${name}`);
        entry = { name: `__iox_${schema === 'system' ? 'sys' : 'info'}_${virtual.size}`, table };
        virtual.set(key, entry);
      }
      target = tempTableRef(entry.name);
    } else {
      throw tableNotFound(`public.${site.schema}.${site.table}`);
    }
    const text = target + alias;
    edits.push({ start: site.start, end: site.end, render: () => text });
  }

  for (const t of tablesNamedIn(tokens, ctx.tables, userTables)) {
    for (const c of t.columns) if (c.type === 'tag') tableTags.add(c.name);
  }
  // VARCHAR result columns of these names are the tags themselves, not computed values aliased to a tag's name.
  const tagColumns = new Set(tableTags);
  for (const name of expressionAliases(tokens)) tagColumns.delete(name);
  return { sql: edits.length > 0 ? applyEdits(sql, edits) : sql, virtual: [...virtual.values()], tagColumns };
}

// Names given with AS to something other than a bare column of that name (`arrow_typeof(room) AS room`): such a
// result column is computed, not the tag itself.
function expressionAliases(tokens: Token[]): Set<string> {
  const names = new Set<string>();
  for (let i = 1; i + 1 < tokens.length; i++) {
    if (tokens[i]!.kind !== 'ident' || tokens[i]!.value.toLowerCase() !== 'as') continue;
    const alias = tokens[i + 1]!;
    if (alias.kind !== 'ident' && alias.kind !== 'quoted') continue;
    const before = tokens[i - 1]!;
    if ((before.kind === 'ident' || before.kind === 'quoted') && before.value === alias.value) continue;
    names.add(alias.value);
  }
  return names;
}

// DuckDB functions that reach past the query's database (another database's schema, the catalog of every database,
// files, settings): a database token must not read another database through them, nor a plugin.
const ESCAPING_FUNCTIONS = new Set(['query', 'query_table', 'glob', 'getenv', 'current_setting', 'which_secret', 'sniff_csv']);
const ESCAPING_PREFIXES = ['duckdb_', 'pragma_', 'read_', 'parquet_', 'iceberg_', 'delta_', 'sqlite_', 'postgres_', 'mysql_'];

function refuseEscapingFunctions(tokens: Token[]): void {
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1]!;
    if (t.kind !== 'ident' && t.kind !== 'quoted') continue;
    if (next.kind !== 'punct' || next.value !== '(') continue;
    const name = t.value.toLowerCase();
    if (ESCAPING_FUNCTIONS.has(name) || ESCAPING_PREFIXES.some((p) => name.startsWith(p))) {
      throw planningError(`function ${t.value}() is not available: queries read only their own database`);
    }
  }
}
