import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import type { ColumnDef, WriteRow } from '../types.js';
import { QueryEngine, type RowSource } from '../query/query-engine.js';
import type { QueryColumn, QueryParams, QueryResult } from '../query/query-result.js';
import type { SystemTableLister, SystemTableProvider } from '../query/system-tables.js';
import type { TableFunctionProvider } from '../query/table-functions.js';
import { mergeGroups, type BatchGroup } from './batch-groups.js';
import { appendRows, UnknownColumnError } from './chunk-writer.js';
import { dedupePoints, hasRowidColumn, mergeStoredDuplicates, TableTimeBounds, type PointBatch } from './point-dedup.js';
import { ReaderPool } from './reader-pool.js';
import { SerialQueue } from '../../shared/serial-queue.js';
import { qualifiedTable, quoteIdent, schemaName } from '../query/sql-names.js';
import { TableRegistry, type RegisteredTable } from './table-registry.js';
import { evolveTable, readPhysicalColumns, columnsFromRows } from './table-schema.js';

// Everything the store needs is injected by the composition root.
export interface DuckDbStoreOptions {
  path: string;
  logger: Logger;
  // Connections kept for queries (default 4).
  readers?: number;
  // Rows of system.<table> (processing engine, caches, queries…), supplied by the server.
  systemTables?: SystemTableProvider;
  systemTableNames?: SystemTableLister;
  // Table functions computed outside DuckDB (last_cache(), distinct_cache()), supplied by the storage engine.
  tableFunctions?: TableFunctionProvider;
  // SQL may read and write no file but the private export directory (default true).
  restrictFileAccess?: boolean;
  // DuckDB's memory_limit and threads (absent: DuckDB's defaults, 80% of the memory and one per core).
  memoryLimitBytes?: number;
  threads?: number;
}

export type { BatchGroup } from './batch-groups.js';

const META = `${quoteIdent('_influx')}.${quoteIdent('meta')}`;
const SEQ_KEY = 'applied_wal_seq';
const YIELD_EVERY_ROWS = 65_536;

// The embedded DuckDB database: one schema per InfluxDB database, fed in WAL-sized batches, read through a pool.
export class DuckDbStore {
  readonly registry = new TableRegistry();
  private readonly logger: Logger;
  private readonly writes = new SerialQueue();
  private instance: DuckDBInstance | undefined;
  private writer: DuckDBConnection | undefined;
  private pool: ReaderPool | undefined;
  private readonly engine: QueryEngine;
  private exports: string | undefined;
  private applied = 0n;
  private hasApplied = false;
  // Latest stored time per table: a batch entirely after it cannot overwrite a stored point.
  private readonly bounds = new TableTimeBounds();
  private readonly rowidWarned = new Set<string>();

  constructor(private readonly options: DuckDbStoreOptions) {
    this.logger = options.logger;
    this.engine = new QueryEngine({
      host: this,
      logger: options.logger,
      systemTables: options.systemTables,
      systemTableNames: options.systemTableNames,
      tableFunctions: options.tableFunctions,
    });
  }

  async open(): Promise<void> {
    this.bounds.clear();
    const settings: Record<string, string> = {};
    if (this.options.memoryLimitBytes !== undefined) settings.memory_limit = `${this.options.memoryLimitBytes}B`;
    if (this.options.threads !== undefined) settings.threads = String(this.options.threads);
    this.instance = await DuckDBInstance.create(this.options.path, settings);
    this.writer = await this.instance.connect();
    await this.writer.run(
      `CREATE SCHEMA IF NOT EXISTS ${quoteIdent('_influx')}; CREATE TABLE IF NOT EXISTS ${META} (key VARCHAR, value BIGINT)`,
    );
    const seq = await this.writer.runAndReadAll(`SELECT value FROM ${META} WHERE key = $key`, { key: SEQ_KEY });
    const first = seq.getRows()[0];
    if (!first) await this.writer.run(`INSERT INTO ${META} VALUES ($key, NULL)`, { key: SEQ_KEY });
    else if (first[0] !== null) {
      this.applied = first[0] as bigint;
      this.hasApplied = true;
    }
    this.exports = await exportDirectory(this.options.path);
    if (this.options.restrictFileAccess ?? true) {
      await this.writer.run('SET allowed_directories = [$dir]', { dir: `${this.exports}/` });
      await this.writer.run('SET enable_external_access = false');
    }
    this.pool = new ReaderPool(this.instance, Math.max(1, this.options.readers ?? 4));
    const limits = await this.limits();
    this.logger.info({ path: this.options.path, appliedSeq: this.applied.toString(), ...limits }, 'duckdb store opened');
  }

  // DuckDB's effective memory_limit (as DuckDB prints it, e.g. '256.0 MiB') and thread count.
  async limits(): Promise<{ memoryLimit: string; threads: number }> {
    const row = (await this.conn().runAndReadAll("SELECT current_setting('memory_limit'), current_setting('threads')")).getRows()[0]!;
    return { memoryLimit: String(row[0]), threads: Number(row[1]) };
  }

  // Checkpoints so the next open does not replay DuckDB's own WAL, then releases the file.
  async close(): Promise<void> {
    if (!this.instance) return;
    await this.writes.run(async () => {
      await this.pool?.close();
      await this.conn().run('CHECKPOINT');
      this.conn().closeSync();
      this.instance!.closeSync();
      this.instance = undefined;
      this.writer = undefined;
      this.pool = undefined;
    });
    if (this.exports) await rm(this.exports, { recursive: true, force: true }).catch(() => undefined);
    this.exports = undefined;
  }

  async checkpoint(): Promise<void> {
    await this.writes.run(() => this.conn().run('CHECKPOINT'));
  }

  // Runs fn on a pooled read connection; the query layer sets search_path, macros and temp tables on it.
  async withReader<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (!this.pool) throw new AppError('storage_closed', 'storage is not open', { status: 503 });
    return this.pool.use(fn);
  }

  // SQL in InfluxDB 3's dialect against one database (see query/query-engine.ts).
  query(dbId: number, sql: string, params?: QueryParams): Promise<QueryResult> {
    return this.engine.query(dbId, sql, params);
  }

  queryToParquet(dbId: number, sql: string, params?: QueryParams): Promise<Buffer> {
    return this.engine.queryToParquet(dbId, sql, params);
  }

  parameterColumns(dbId: number, sql: string): Promise<QueryColumn[]> {
    return this.engine.parameterColumns(dbId, sql);
  }

  // The query read chunk by chunk while `consume` runs (query-engine.ts queryRows).
  queryRows<T>(dbId: number, sql: string, params: QueryParams | undefined, consume: (source: RowSource) => Promise<T>): Promise<T> {
    return this.engine.queryRows(dbId, sql, params, consume);
  }

  // Where COPY … TO may write (the only directory SQL can touch).
  exportDir(): string {
    if (!this.exports) throw new AppError('storage_closed', 'storage is not open', { status: 503 });
    return this.exports;
  }

  registerDatabase(dbId: number, dbName: string): void {
    this.registry.registerDatabase(dbId, dbName);
  }

  registerTable(dbId: number, dbName: string, table: string, columns: ColumnDef[]): void {
    this.registry.merge(dbId, table, columns, dbName);
  }

  databaseName(dbId: number): string | undefined {
    return this.registry.database(dbId)?.name;
  }

  tables(dbId: number): RegisteredTable[] {
    return this.registry.tables(dbId);
  }

  async createDatabase(dbId: number, dbName?: string): Promise<void> {
    await this.writes.run(() => this.conn().run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schemaName(dbId))}`));
    this.registry.registerDatabase(dbId, dbName);
  }

  async dropDatabase(dbId: number): Promise<void> {
    await this.writes.run(() => this.conn().run(`DROP SCHEMA IF EXISTS ${quoteIdent(schemaName(dbId))} CASCADE`));
    this.bounds.forgetDatabase(dbId);
    this.registry.dropDatabase(dbId);
  }

  // Creates the table or adds the columns it lacks; existing columns keep their type.
  async ensureTable(dbId: number, table: string, columns: ColumnDef[]): Promise<RegisteredTable> {
    return this.writes.run(() => this.ensureTableNow(dbId, table, columns));
  }

  async dropTable(dbId: number, table: string): Promise<void> {
    await this.writes.run(() => this.conn().run(`DROP TABLE IF EXISTS ${qualifiedTable(dbId, table)}`));
    this.bounds.forgetTable(dbId, table);
    this.registry.dropTable(dbId, table);
  }

  async appliedSeq(): Promise<bigint> {
    return this.applied;
  }

  /**
   * Stores every group and records walSeq in one DuckDB transaction, so after a crash the recorded
   * sequence and the data always agree. A batch at or below the applied sequence is skipped (replay).
   * Rows may carry columns the table lacks: they are added (outside the transaction) and the batch retried.
   * A point (table, tag set, time) written again replaces the stored one field by field (point-dedup.ts);
   * groups are in write order, so later rows win.
   */
  async applyBatch(groups: BatchGroup[], walSeq: bigint): Promise<boolean> {
    return this.writes.run(async () => {
      if (this.hasApplied && walSeq <= this.applied) return false;
      const merged = [...mergeGroups(groups).values()].map(dedupePoints);
      await this.evolveSchemas(merged, walSeq, false);
      try {
        await this.appendInTransaction(merged, walSeq);
      } catch (err) {
        if (!(err instanceof UnknownColumnError)) throw this.writeFailed(walSeq, err);
        await this.evolveSchemas(merged, walSeq, true);
        await this.appendInTransaction(merged, walSeq).catch((again: unknown) => {
          throw this.writeFailed(walSeq, again);
        });
      }
      this.applied = walSeq;
      this.hasApplied = true;
      return true;
    });
  }

  // Creates missing tables; with `scan`, also adds every column the rows carry (a full pass over them).
  private async evolveSchemas(groups: BatchGroup[], walSeq: bigint, scan: boolean): Promise<void> {
    try {
      for (const group of groups) {
        const entry = this.registry.table(group.dbId, group.table);
        if (entry?.physical && !scan) continue;
        const known = entry?.columns ?? [];
        const wanted = columnsFromRows(known, group.rows);
        if (!entry?.physical || wanted.length > known.length) await this.ensureTableNow(group.dbId, group.table, wanted);
      }
    } catch (err) {
      throw this.writeFailed(walSeq, err);
    }
  }

  private async appendInTransaction(groups: PointBatch[], walSeq: bigint): Promise<void> {
    const conn = this.conn();
    let nulls = 0;
    let replaced = 0;
    try {
      // One round trip opens the transaction and records the sequence (a bigint, safe as a literal).
      await conn.run(`BEGIN TRANSACTION; UPDATE ${META} SET value = ${BigInt(walSeq).toString()} WHERE key = '${SEQ_KEY}'`);
      for (const group of groups) {
        if (group.rows.length === 0) continue;
        const columns = this.registry.table(group.dbId, group.table)!.columns;
        // Read before the append: whether any stored row can share a point with the batch.
        const latest = await this.bounds.latest(conn, group.dbId, group.table, columns.find((c) => c.type === 'time')?.name);
        const appender = await conn.createAppender(group.table, schemaName(group.dbId));
        try {
          // Appending is synchronous: give the event loop a turn between slices of a big batch.
          for (let from = 0; from < group.rows.length; from += YIELD_EVERY_ROWS) {
            if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
            const to = Math.min(group.rows.length, from + YIELD_EVERY_ROWS);
            nulls += appendRows(appender, columns, group.rows, from, to).coercedToNull;
          }
          appender.closeSync();
        } catch (err) {
          try {
            appender.clear();
            appender.closeSync();
          } catch {
            // the transaction is rolled back below either way
          }
          throw err;
        }
        if (latest !== null && group.minTime <= latest) replaced += await this.mergeStored(group, columns, latest);
      }
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
    for (const group of groups) if (group.rows.length > 0) this.bounds.appended(group.dbId, group.table, group.maxTime);
    const folded = groups.reduce((n, g) => n + g.folded, 0);
    if (replaced + folded > 0) this.logger.debug({ walSeq: walSeq.toString(), replaced, folded }, 'points overwritten');
    if (nulls > 0) this.logger.warn({ walSeq: walSeq.toString(), values: nulls }, 'values of the wrong type stored as NULL');
  }

  // The batch overlaps stored times: merge the points it wrote again (inside the open transaction). Only its
  // rows up to the latest stored time can meet a stored row, so the range ends there.
  private async mergeStored(group: PointBatch, columns: ColumnDef[], latest: bigint): Promise<number> {
    if (hasRowidColumn(columns)) {
      const key = `${group.dbId}\u0000${group.table}`;
      if (!this.rowidWarned.has(key)) {
        this.rowidWarned.add(key);
        this.logger.warn({ dbId: group.dbId, table: group.table }, "a column named 'rowid' hides DuckDB's row order: points written again are kept as separate rows");
      }
      return 0;
    }
    const upTo = group.maxTime < latest ? group.maxTime : latest;
    return mergeStoredDuplicates(this.conn(), group.dbId, group.table, columns, group.minTime, upTo);
  }

  private writeFailed(walSeq: bigint, err: unknown): AppError {
    if (err instanceof AppError) return err;
    return new AppError('storage_write_failed', `applying wal batch ${walSeq} failed: ${(err as Error).message}`, {
      status: 500,
      cause: err,
    });
  }

  // Retention: removes rows older than the cutoff; returns how many went.
  async deleteBefore(dbId: number, table: string, cutoffNs: bigint): Promise<number> {
    return this.writes.run(async () => {
      const res = await this.conn().run(`DELETE FROM ${qualifiedTable(dbId, table)} WHERE time < make_timestamp_ns(CAST($cutoff AS BIGINT))`, {
        cutoff: cutoffNs,
      });
      this.bounds.deletedBefore(dbId, table, cutoffNs);
      return res.rowsChanged;
    });
  }

  private async ensureTableNow(dbId: number, table: string, columns: ColumnDef[]): Promise<RegisteredTable> {
    const clash = this.registry.caseClash(dbId, table);
    if (clash !== undefined) {
      throw new AppError('table_name_conflict', `table '${table}' differs from existing table '${clash}' only by case`, {
        status: 409,
      });
    }
    const conn = this.conn();
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schemaName(dbId))}`);
    const physical = await readPhysicalColumns(conn, dbId, table);
    const known = this.registry.table(dbId, table)?.columns ?? [];
    const result = await evolveTable(conn, dbId, table, physical, known, columns);
    return this.registry.setPhysical(dbId, table, result);
  }

  private conn(): DuckDBConnection {
    if (!this.writer) throw new AppError('storage_closed', 'storage is not open', { status: 503 });
    return this.writer;
  }
}

// Parquet exports go beside the database file (a fresh directory each open), or to a temp dir in memory mode.
async function exportDirectory(path: string): Promise<string> {
  if (path === ':memory:' || path === '') return mkdtemp(join(tmpdir(), 'influxdb3-engine-export-'));
  const dir = join(dirname(path), 'query-exports');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}
