import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement, type DuckDBType } from '@duckdb/node-api';
import type { Logger } from '../../shared/logger.js';
import { quoteLiteral, schemaName } from './sql-names.js';
import type { ColumnDef } from '../types.js';
import { installFunctions } from './functions/index.js';
import type { SchemaSnapshot } from './information-schema.js';
import { mapDuckdbError, planningError, queryError, tableNotFound } from './query-errors.js';
import { planQuery, tablesNamedIn, type QueryPlan } from './query-planner.js';
import { QueryLog } from './query-log.js';
import type { QueryColumn, QueryParams, QueryResult } from './query-result.js';
import { convertChunk, convertResult, describeColumns } from './result-convert.js';
import { translateShow } from './show-statements.js';
import { matchingParen, tokenize } from './sql-lexer.js';
import type { SystemTableLister, SystemTableProvider } from './system-tables.js';
import type { TableFunctionProvider } from './table-functions.js';
import { tableFunctionFastPath } from './table-function-fast-path.js';
import { dropVirtualTables, loadVirtualTable } from './virtual-table-loader.js';

// What the query layer needs from storage (DuckDbStore provides it).
export interface QueryHost {
  withReader<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T>;
  databaseName(dbId: number): string | undefined;
  tables(dbId: number): Array<{ name: string; columns: ColumnDef[] }>;
  exportDir(): string;
}

// Injected by DuckDbStore; system tables come from the server above storage.
export interface QueryEngineOptions {
  host: QueryHost;
  logger: Logger;
  systemTables?: SystemTableProvider;
  // Lists system tables for SHOW TABLES; by default the known names the provider answers for.
  systemTableNames?: SystemTableLister;
  // last_cache(), distinct_cache(): rows computed outside DuckDB for one query.
  tableFunctions?: TableFunctionProvider;
}

// A result read a chunk at a time (DuckDB's streaming result): `next()` gives the next rows, null at the end.
export interface RowSource {
  columns: QueryColumn[];
  next(): Promise<unknown[][] | null>;
}

// A materialised result as a RowSource (one chunk).
export function rowSourceOf(result: QueryResult): RowSource {
  let rows: unknown[][] | null = result.rows;
  return {
    columns: result.columns,
    next: async () => {
      const out = rows;
      rows = null;
      return out && out.length > 0 ? out : null;
    },
  };
}

// Rows in the first piece a streaming result gives (see queryRows).
const FIRST_ROWS = 512;

const EXPLAIN_NAMES: Record<string, string> = { explain_key: 'plan_type', explain_value: 'plan' };

interface ConnState {
  dbId: number | undefined;
}

// SQL as InfluxDB 3 users write it (DataFusion dialect and catalog), run on DuckDB read connections.
export class QueryEngine {
  private readonly prepared = new WeakMap<DuckDBConnection, ConnState>();

  constructor(private readonly options: QueryEngineOptions) {}

  async query(dbId: number, sql: string, params?: QueryParams): Promise<QueryResult> {
    const functions = this.options.tableFunctions;
    const fast = functions && tableFunctionFastPath(sql, dbId, functions, params, () => this.options.host.tables(dbId));
    if (fast) return fast;
    return this.run(dbId, sql, params, async (conn, plan) => {
      const stmt = await this.prepare(conn, plan.sql, params, 'query');
      try {
        const reader = await stmt.runAndReadAll();
        const result = convertResult(reader, plan.tagColumns);
        if (stmt.statementType === StatementType.EXPLAIN) {
          result.columns = result.columns.map((c) => ({ ...c, name: EXPLAIN_NAMES[c.name] ?? c.name }));
        }
        return result;
      } finally {
        stmt.destroySync();
      }
    });
  }

  // The same query read in DuckDB chunks while `consume` runs (the read connection is held until it returns), so
  // a large result never has to be in memory at once (plugin queries stream this way).
  async queryRows<T>(dbId: number, sql: string, params: QueryParams | undefined, consume: (source: RowSource) => Promise<T>): Promise<T> {
    const functions = this.options.tableFunctions;
    const fast = functions && tableFunctionFastPath(sql, dbId, functions, params, () => this.options.host.tables(dbId));
    if (fast) return consume(rowSourceOf(fast));
    return this.run(dbId, sql, params, async (conn, plan) => {
      const stmt = await this.prepare(conn, plan.sql, params, 'query');
      try {
        const result = await stmt.stream();
        const { columns, converters } = describeColumns(result.columnNames(), result.columnTypes(), plan.tagColumns);
        if (stmt.statementType === StatementType.EXPLAIN) for (const c of columns) c.name = EXPLAIN_NAMES[c.name] ?? c.name;
        let ended = false;
        let held: unknown[][] | null = null;
        let first = true;
        return await consume({
          columns,
          next: async () => {
            if (held) {
              const rest = held;
              held = null;
              return rest;
            }
            if (ended) return null;
            const chunk = await result.fetchChunk();
            if (!chunk || chunk.rowCount === 0) {
              ended = true;
              return null;
            }
            const rows = convertChunk(chunk, converters);
            // A small first piece: a streaming consumer can send it at once, inside the peer's first HTTP/2 window.
            if (first && rows.length > FIRST_ROWS) {
              first = false;
              held = rows.slice(FIRST_ROWS);
              return rows.slice(0, FIRST_ROWS);
            }
            first = false;
            return rows;
          },
        });
      } finally {
        stmt.destroySync();
      }
    });
  }

  // The placeholders of a query (`$1`, `$host`) with the types DuckDB infers from their use, as Arrow columns named
  // as upstream names them (`$1`, `$host`); a placeholder whose type cannot be inferred reads as Utf8.
  async parameterColumns(dbId: number, sql: string): Promise<QueryColumn[]> {
    return this.run(dbId, sql, undefined, async (conn, plan) => {
      const stmt = await this.prepare(conn, plan.sql, undefined, 'check');
      try {
        const names: string[] = [];
        const types: DuckDBType[] = [];
        for (let i = 1; i <= stmt.parameterCount; i++) {
          names.push(`$${stmt.parameterName(i)}`);
          types.push(stmt.parameterType(i));
        }
        return describeColumns(names, types, new Set()).columns;
      } finally {
        stmt.destroySync();
      }
    });
  }

  // The result as a Parquet file (DuckDB's COPY), read back into memory.
  async queryToParquet(dbId: number, sql: string, params?: QueryParams): Promise<Buffer> {
    const file = join(this.options.host.exportDir(), `query-${randomUUID()}.parquet`);
    try {
      await this.run(dbId, sql, params, async (conn, plan) => {
        (await this.prepare(conn, plan.sql, params, 'check')).destroySync();
        const stmt = await this.prepare(conn, `COPY (${statementBody(plan.sql)}) TO ${quoteLiteral(file)} (FORMAT parquet)`, params, 'copy');
        try {
          await stmt.run();
        } finally {
          stmt.destroySync();
        }
      });
      return await readFile(file);
    } finally {
      await rm(file, { force: true });
    }
  }

  private async run<T>(dbId: number, sql: string, params: QueryParams | undefined, exec: (conn: DuckDBConnection, plan: QueryPlan) => Promise<T>): Promise<T> {
    const host = this.options.host;
    const dbName = host.databaseName(dbId) ?? schemaName(dbId);
    const show = translateShow(sql);
    if (show.table && (show.table.schema === undefined || show.table.schema.toLowerCase() === 'iox')) {
      if (!host.tables(dbId).some((t) => t.name === show.table!.name)) {
        if (show.table.statement === 'SHOW COLUMNS') throw planningError(`Unknown relation for SHOW COLUMNS: ${show.table.name}`);
        throw tableNotFound(`public.iox.${show.table.name}`);
      }
    }
    const tracked = QueryLog.current();
    return host.withReader(async (conn) => {
      tracked?.permitted();
      let plan: QueryPlan | undefined;
      try {
        await this.setUp(conn, dbId);
        plan = await planQuery(conn, show.sql, {
          dbId,
          dbName,
          tables: host.tables(dbId),
          systemTables: this.options.systemTables,
          snapshot: () => this.snapshot(dbId, dbName),
          tableFunctions: this.options.tableFunctions,
          params,
        });
        for (const v of plan.virtual) await loadVirtualTable(conn, v.name, v.table);
        tracked?.planned();
        return await exec(conn, plan);
      } catch (err) {
        throw mapDuckdbError(err, () => mentionedFields(sql, host.tables(dbId)));
      } finally {
        if (plan && plan.virtual.length > 0) {
          await dropVirtualTables(conn, plan.virtual.map((v) => v.name)).catch((err: unknown) =>
            this.options.logger.warn({ err }, 'dropping query temp tables failed'),
          );
        }
      }
    });
  }

  // Macros once per connection; search_path whenever the connection last served another database.
  private async setUp(conn: DuckDBConnection, dbId: number): Promise<void> {
    let state = this.prepared.get(conn);
    if (!state) {
      await installFunctions(conn);
      state = { dbId: undefined };
      this.prepared.set(conn, state);
    }
    if (state.dbId !== dbId) {
      // A database whose schema was never created reads as empty: every table is then "not found".
      try {
        await conn.run(`SET search_path = ${quoteLiteral(schemaName(dbId))}`);
        state.dbId = dbId;
      } catch {
        await conn.run("SET search_path = 'temp.main'");
        state.dbId = undefined;
      }
    }
  }

  // 'query': a SELECT/EXPLAIN with its parameters bound; 'check': only the statement type; 'copy': only binding.
  private async prepare(conn: DuckDBConnection, sql: string, params: QueryParams | undefined, mode: 'query' | 'check' | 'copy'): Promise<DuckDBPreparedStatement> {
    const stmt = await conn.prepare(sql);
    try {
      const type = stmt.statementType;
      if (mode !== 'copy' && type !== StatementType.SELECT && !(mode === 'query' && type === StatementType.EXPLAIN)) {
        throw planningError('only SELECT statements are supported');
      }
      // EXPLAIN ANALYZE runs its statement, so what it explains must be a SELECT as well.
      if (type === StatementType.EXPLAIN && mode === 'query') (await this.prepare(conn, explained(sql), undefined, 'check')).destroySync();
      for (let i = 1; mode !== 'check' && i <= stmt.parameterCount; i++) {
        const name = stmt.parameterName(i);
        const value = params?.[name];
        if (value === undefined) throw queryError(`No value found for placeholder with name $${name}`);
        if (value === null) stmt.bindNull(i);
        else if (typeof value === 'string') stmt.bindVarchar(i, value);
        else if (typeof value === 'boolean') stmt.bindBoolean(i, value);
        else if (Number.isSafeInteger(value)) stmt.bindBigInt(i, BigInt(value));
        else stmt.bindDouble(i, value);
      }
      return stmt;
    } catch (err) {
      stmt.destroySync();
      throw err;
    }
  }

  private snapshot(dbId: number, dbName: string): SchemaSnapshot {
    const names = this.options.systemTableNames?.(dbName) ?? [];
    return { tables: this.options.host.tables(dbId), systemTables: names };
  }
}

// The statement without trailing semicolons or comments, so it can be wrapped in COPY ( … ).
function statementBody(sql: string): string {
  const tokens = tokenize(sql);
  let last = tokens.length - 1;
  while (last >= 0 && tokens[last]!.kind === 'punct' && tokens[last]!.value === ';') last--;
  return last < 0 ? sql : sql.slice(0, tokens[last]!.end);
}

// The statement an EXPLAIN [ANALYZE] [VERBOSE] [(options)] wraps.
function explained(sql: string): string {
  const tokens = tokenize(sql);
  let i = 0;
  while (i < tokens.length && tokens[i]!.kind === 'ident' && ['explain', 'analyze', 'analyse', 'verbose'].includes(tokens[i]!.value.toLowerCase())) i++;
  if (tokens[i]?.kind === 'punct' && tokens[i]!.value === '(') i = matchingParen(tokens, i) + 1;
  return i > 0 && i < tokens.length ? sql.slice(tokens[i]!.start) : 'EXPLAIN';
}

// The columns of the tables a query names, as `table.column` (DataFusion's "Valid fields are …").
function mentionedFields(sql: string, tables: Array<{ name: string; columns: ColumnDef[] }>): string[] {
  return tablesNamedIn(tokenize(sql), tables).flatMap((t) => t.columns.map((c) => `${t.name}.${c.name}`));
}
