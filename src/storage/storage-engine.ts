import type { CatalogEvent } from './catalog/catalog-events.js';
import { join } from 'node:path';
import { AppError, badRequest, notFound } from '../shared/app-error.js';
import type { Logger } from '../shared/logger.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { Catalog } from './catalog/catalog.js';
import type { Database, Table, TokenList, TriggerList } from './catalog/catalog-resources.js';
import { SchemaSync } from './schema/schema-sync.js';
import { INTERNAL_DB, assertDatabaseName } from './catalog/names.js';
import { QueryLog } from './query/query-log.js';
import { Progress } from '../shared/progress.js';
import { QUERY_LOG_SYSTEM_TABLES, queriesSystemTable } from './query/queries-system-table.js';
import { CATALOG_SYSTEM_TABLES, catalogSystemTables } from './query/catalog-system-tables.js';
import { validateRows } from './catalog/validate-rows.js';
import { mkdirPrivate } from './private-dir.js';
import { rowsFromBody, rowsOfWalWrite } from './write-rows.js';
import { WriteAheadLog } from './wal/write-ahead-log.js';
import { decodeWalWrite, encodeWalWrite } from './wal/write-record.js';
import { DuckDbStore } from './duckdb/duckdb-store.js';
import { FlushBuffer } from './flush-buffer.js';
import { CacheManager } from './caches/cache-manager.js';
import { CACHE_SYSTEM_TABLES } from './caches/cache-system-tables.js';
import { LastPointQueries } from './last-point/last-point-queries.js';
import { ApplyQueue, type ApplyItem } from './apply-queue.js';
import type { StorageMetrics } from './storage-metrics.js';
import type { ColumnDef, LineError, Precision, WriteRow } from './types.js';
import type { SystemTableLister, SystemTableProvider } from './query/system-tables.js';
import type { QueryColumn, QueryResult } from './query/query-result.js';
import type { RowSource } from './query/query-engine.js';
import type { WriteGateway } from './write-gateway.js';

export type QueryParams = Record<string, string | number | boolean | null>;

// influxdb3_catalog_operations_total's `type`: upstream's operation names where one fits, ours for the rest.
const CATALOG_OPERATION: Record<CatalogEvent['kind'], string> = {
  'database-created': 'create_database',
  'database-updated': 'update_database',
  'database-deleted': 'soft_delete_database',
  'database-removed': 'delete_database',
  'database-forgotten': 'hard_delete_database',
  'table-created': 'create_table',
  'columns-added': 'add_columns',
  'table-removed': 'soft_delete_table',
  'table-forgotten': 'hard_delete_table',
  'triggers-changed': 'update_triggers',
  'tokens-changed': 'update_tokens',
  'caches-changed': 'update_caches',
};

// WAL records applied per DuckDB transaction during replay.
const REPLAY_BATCH_ROWS = 50_000;

// Upstream's default --query-log-size.
export const DEFAULT_QUERY_LOG_SIZE = 1000;

export interface StorageOptions {
  objectStore: 'memory' | 'file';
  dataDir: string | null;
  walFlushIntervalMs: number;
  logger: Logger;
  metrics: StorageMetrics;
  clock?: Clock;
  systemTables?: SystemTableProvider;
  // The names systemTables serves in a database (the cache tables are added here).
  systemTableNames?: SystemTableLister;
  // --max-concurrent-queries: queries beyond it wait for a reader connection.
  maxConcurrentQueries?: number;
  // --query-log-size: queries kept in system.queries (0 keeps none).
  queryLogSize?: number;
  // --exec-mem-pool-bytes and --num-datafusion-threads/--num-io-threads: DuckDB's memory_limit and threads.
  duckdbMemoryLimitBytes?: number | null;
  duckdbThreads?: number | null;
}

export interface WriteOptions {
  precision: Precision;
  acceptPartial: boolean;
  noSync: boolean;
}

export interface WriteOutcome {
  linesWritten: number;
  errors: LineError[];
  limitHit: boolean;
}

// WAL kept for WAL triggers (set by the processing engine): the oldest enabled trigger's cursor, or null when no
// cursor needs anything, and the most bytes of applied WAL kept for cursors.
export interface WalRetention {
  floor(): bigint | null;
  maxBytes: number;
}

// One acknowledged write re-read from the WAL (WAL-trigger replay, forwarding): its database, the rows it stored,
// its record's payload size and its ack time.
export interface WalReplayWrite {
  seq: bigint;
  database: string;
  rows: WriteRow[];
  bytes: number;
  ackTimeNs: bigint;
}

// The write path and the owner of everything on disk: line protocol → schema → WAL (fsync) → DuckDB.
export class StorageEngine {
  private readonly catalog: Catalog;
  private readonly store: DuckDbStore;
  // DuckDB's schemas and the table registry, derived from the catalog's events.
  private readonly schema: SchemaSync;
  readonly flushes: FlushBuffer;
  // Last-value and distinct-value caches, filled from the write path (caches/).
  readonly caches: CacheManager;
  // Last-point queries bounded by an index of series' newest times (last-point/); INFLUXDB3_LAST_POINT_INDEX=off disables it.
  readonly lastPoints: LastPointQueries;
  // The last --query-log-size queries the API edges ran (system.queries).
  readonly queryLog: QueryLog;
  private readonly wal: WriteAheadLog | null;
  private readonly clock: Clock;
  private readonly applyQueue: ApplyQueue;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private lastSeq = 0n;
  // Highest seq acknowledged so far; every write at or below it has been handed to the flush buffer.
  private ackedSeq = 0n;
  // Set by the processing engine before start(): checkpoints keep the WAL its triggers have not seen.
  walRetention: WalRetention | null = null;
  // Set by app.ts before start() on a process node: admission, forwarding, WAL kept until forwarded, no table data.
  gateway: WriteGateway | null = null;
  // Set once DuckDB opened (it holds the data dir's lock): from then on stop() checkpoints and persists.
  private opened = false;
  // Hook run before each query (the retention check of DatabaseAdmin).
  beforeQuery: ((db: Database) => Promise<void>) | null = null;

  constructor(private readonly opts: StorageOptions) {
    const file = opts.objectStore === 'file';
    if (file && !opts.dataDir) throw new AppError('config', 'file object store needs a data directory');
    if (file) mkdirPrivate(opts.dataDir!);
    this.clock = opts.clock ?? systemClock;
    this.catalog = new Catalog({ dir: file ? opts.dataDir : null, logger: opts.logger });
    this.caches = new CacheManager({ catalog: this.catalog, logger: opts.logger, clock: this.clock });
    this.lastPoints = new LastPointQueries({ catalog: this.catalog, logger: opts.logger, query: (dbId, sql) => this.applyQueue.whenApplied().then(() => this.store.query(dbId, sql)), enabled: process.env.INFLUXDB3_LAST_POINT_INDEX !== 'off' });
    this.catalog.subscribe((e) => opts.metrics.catalogOperation(CATALOG_OPERATION[e.kind]));
    this.queryLog = new QueryLog(opts.queryLogSize ?? DEFAULT_QUERY_LOG_SIZE, this.clock, opts.metrics.queryPhases);
    const queries = queriesSystemTable(this.queryLog);
    const catalogTables = catalogSystemTables(this.catalog);
    this.store = new DuckDbStore({
      path: file ? join(opts.dataDir!, 'duckdb', 'engine.duckdb') : ':memory:',
      logger: opts.logger,
      systemTables: (db, table) => this.caches.systemTables(db, table) ?? queries(db, table) ?? catalogTables(db, table) ?? opts.systemTables?.(db, table),
      systemTableNames: (db) =>
        [
          ...CACHE_SYSTEM_TABLES.filter((name) => this.caches.systemTables(db, name) !== undefined),
          ...QUERY_LOG_SYSTEM_TABLES,
          ...CATALOG_SYSTEM_TABLES.filter((name) => catalogTables(db, name) !== undefined),
          ...(opts.systemTableNames?.(db) ?? []),
        ].sort(),
      tableFunctions: this.caches,
      readers: opts.maxConcurrentQueries,
      memoryLimitBytes: opts.duckdbMemoryLimitBytes ?? undefined,
      threads: opts.duckdbThreads ?? undefined,
    });
    this.schema = new SchemaSync(this.catalog, this.store);
    this.wal = file ? new WriteAheadLog({ dir: join(opts.dataDir!, 'wal'), logger: opts.logger, onFsync: (ms, records, bytes) => opts.metrics.walFsync(ms, records, bytes) }) : null;
    this.flushes = new FlushBuffer({ intervalMs: opts.walFlushIntervalMs, logger: opts.logger });
    this.applyQueue = new ApplyQueue((items) => this.applyItems(items), { logger: opts.logger, maxPendingRows: 100_000, lingerMs: 10 });
  }

  async start(): Promise<void> {
    const log = this.opts.logger;
    if (this.opts.objectStore === 'file') mkdirPrivate(join(this.opts.dataDir!, 'duckdb'));
    // DuckDB first: its file lock tells us no other server owns this data dir before anything here is written
    // (loading the catalog writes it back in the current shape).
    await this.store.open();
    this.opened = true;
    this.catalog.load();
    await this.schema.start();
    if (this.wal) {
      const replay = await this.wal.open();
      const applied = await this.store.appliedSeq();
      const todo = replay.records.filter((r) => r.seq > applied);
      const bytes = todo.reduce((sum, r) => sum + r.payload.length, 0);
      log.info({ records: replay.records.length, toApply: todo.length, bytes, appliedSeq: applied.toString(), truncatedBytes: replay.truncatedBytes }, 'wal replay started');
      // Records are applied in batches of up to REPLAY_BATCH_ROWS rows, one DuckDB transaction each.
      const progress = new Progress('wal replay', { items: todo.length, bytes }, log);
      let batch: ApplyItem[] = [];
      let batchRows = 0;
      let batchBytes = 0;
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        await this.applyItems(batch, true);
        progress.add(batch.length, batchBytes, batchRows);
        batch = [];
        batchRows = 0;
        batchBytes = 0;
      };
      for (const rec of todo) {
        const w = decodeWalWrite(rec.payload);
        const rows = rowsOfWalWrite(w);
        batch.push({ dbName: w.database, rows, seq: rec.seq });
        batchRows += rows.length;
        batchBytes += rec.payload.length;
        if (batchRows >= REPLAY_BATCH_ROWS) await flush();
      }
      await flush();
      this.lastSeq = replay.lastSeq;
      this.ackedSeq = replay.lastSeq;
      log.info({ applied: todo.length, ...progress.done() }, 'wal replay finished');
      if (todo.length > 0) await this.checkpoint();
    }
    await this.caches.start(async (dbId, sql) => {
      await this.applyQueue.whenApplied();
      return this.store.query(dbId, sql);
    });
    this.flushes.start();
    this.checkpointTimer = setInterval(() => {
      this.checkpoint().catch((err) => log.error({ err }, 'checkpoint failed'));
    }, 60_000);
    this.checkpointTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    // A start that failed before DuckDB opened (another server holds the data dir) must not write anything there.
    if (!this.opened) {
      this.flushes.stop();
      this.caches.stop();
      return;
    }
    this.flushes.stop();
    this.caches.stop();
    await this.applyQueue.whenApplied();
    if (this.wal) {
      await this.checkpoint().catch((err) => this.opts.logger.error({ err }, 'final checkpoint failed'));
      await this.wal.close();
    }
    this.catalog.persist();
    await this.store.close();
  }

  // Makes DuckDB's state durable on its own, then drops WAL segments that are fully applied.
  async checkpoint(): Promise<void> {
    await this.applyQueue.whenApplied();
    await this.store.checkpoint();
    this.catalog.persist();
    if (this.wal) {
      const stored = await this.store.appliedSeq();
      // A process node keeps every record not yet forwarded, beyond the reach of the WAL triggers' byte cap.
      const forwarded = this.gateway?.forwardedSeq() ?? stored;
      const applied = forwarded < stored ? forwarded : stored;
      const keep = this.walRetention;
      const floor = keep?.floor() ?? null;
      const { removed, dropped } = await this.wal.truncateRetaining(applied, floor, keep?.maxBytes ?? Number.MAX_SAFE_INTEGER);
      if (removed > 0) this.opts.logger.info({ removed, appliedSeq: applied.toString(), cursorFloor: floor?.toString() ?? null }, 'wal segments removed after checkpoint');
      if (dropped) {
        this.opts.metrics.walBacklogDropped(dropped.records);
        this.opts.logger.warn(
          { ...dropped, throughSeq: dropped.throughSeq.toString(), maxBytes: keep?.maxBytes },
          `WAL backlog of WAL triggers over --plugin-wal-backlog-max (${keep?.maxBytes} bytes): dropped ${dropped.segments} segment(s) ` +
            `(${dropped.records} records through seq ${dropped.throughSeq}) that a stopped or lagging WAL trigger had not seen`,
        );
      }
    }
  }

  // Highest acknowledged WAL seq: writes at or below it were handed to the flush buffer before this returned.
  get lastAckedSeq(): bigint {
    return this.wal ? this.ackedSeq : this.lastSeq;
  }

  // The oldest WAL seq still on disk (null without a WAL): a cursor below it lost records to the backlog cap.
  get walOldestSeq(): bigint | null {
    return this.wal?.oldestSeq ?? null;
  }

  // Re-reads the acknowledged writes after `afterSeq` through `throughSeq` from the WAL, in seq order (WAL-trigger
  // replay after a restart); nothing without a WAL.
  async *readWal(afterSeq: bigint, throughSeq: bigint): AsyncGenerator<WalReplayWrite> {
    if (!this.wal) return;
    for await (const rec of this.wal.readRange(afterSeq, throughSeq)) {
      const w = decodeWalWrite(rec.payload);
      yield { seq: rec.seq, database: w.database, rows: rowsOfWalWrite(w), bytes: rec.payload.length, ackTimeNs: w.defaultTimeNs };
    }
  }

  // The records and payload bytes of the WAL after `afterSeq` (a process node's backlog at start); read, not decoded.
  async walSizeAfter(afterSeq: bigint): Promise<{ records: number; bytes: number }> {
    let records = 0;
    let bytes = 0;
    if (this.wal) {
      for await (const rec of this.wal.readRange(afterSeq, this.ackedSeq)) {
        records++;
        bytes += rec.payload.length;
      }
    }
    return { records, bytes };
  }

  async ensureDatabase(name: string): Promise<Database> {
    const existing = this.catalog.database(name);
    if (existing) return existing;
    return this.createDatabase(name, null, true);
  }

  // The catalog id of this server (shown as the cluster uuid).
  get catalogUuid(): string {
    return this.catalog.uuid;
  }

  databases(showDeleted = false): Database[] {
    return this.catalog.databases(showDeleted);
  }

  database(name: string): Database | undefined {
    return this.catalog.database(name);
  }

  databaseById(id: number): Database | undefined {
    return this.catalog.databaseById(id);
  }

  // The live database of that name, or a 404.
  requireDatabase(name: string): Database {
    return this.catalog.requireDatabase(name);
  }

  // A live table of a live database.
  table(dbName: string, tableName: string): Table | undefined {
    const db = this.catalog.database(dbName);
    return db ? this.catalog.table(db, tableName) : undefined;
  }

  // The processing engine's triggers and the API tokens, kept in the catalog for their owners (engine, auth).
  triggers(): TriggerList {
    return this.catalog.triggers();
  }

  setTriggers(list: TriggerList): void {
    this.catalog.setTriggers(list);
  }

  tokens(): TokenList {
    return this.catalog.tokens();
  }

  setTokens(list: TokenList): void {
    this.catalog.setTokens(list);
  }

  async createDatabase(name: string, retention: { text: string; ns: bigint } | null, ifNotExists = false): Promise<Database> {
    const db = this.catalog.createDatabase(name, retention, ifNotExists);
    await this.schema.sync([]);
    return db;
  }

  setRetention(name: string, retention: { text: string; ns: bigint } | null): Database {
    return this.catalog.setRetention(name, retention);
  }

  // Soft delete: the database is renamed and its caches dropped; its data stays until removeDatabase().
  // Acknowledged writes are applied first: applied after the rename, they would recreate the database.
  async softDeleteDatabase(name: string, hardDeleteAt: string | null): Promise<Database> {
    this.catalog.requireDatabase(name);
    await this.applyQueue.whenApplied();
    return this.catalog.softDeleteDatabase(name, hardDeleteAt);
  }

  // Hard delete: the database's data is gone; its entry stays, deleted, until forgetDatabase().
  async removeDatabase(db: Database, nowMs = this.clock.nowMs()): Promise<void> {
    this.catalog.removeDatabase(db.id, nowMs);
    await this.schema.sync([]);
  }

  // After the delete grace period: the entry of a hard-deleted database, or of a deleted table, leaves the catalog.
  forgetDatabase(db: Database): void {
    this.catalog.forgetDatabase(db.id);
  }

  forgetTable(db: Database, table: Table): void {
    this.catalog.forgetTable(db, table.id);
  }

  async createTable(dbName: string, name: string, columns: ColumnDef[]): Promise<Table> {
    const db = this.catalog.requireDatabase(dbName);
    const table = this.catalog.createTable(db, name, columns);
    await this.schema.sync([table]);
    return table;
  }

  // Deletes a table and its rows (after a checkpoint, so no queued write recreates them).
  async deleteTable(dbName: string, name: string, hardDeleteAt: string | null): Promise<void> {
    const db = this.catalog.requireDatabase(dbName);
    if (!this.catalog.table(db, name)) throw notFound(`table not found: ${name}`);
    await this.checkpoint();
    this.catalog.deleteTable(db, name, hardDeleteAt);
    await this.schema.sync([]);
  }

  // Retention: deletes the rows of every table of `db` older than `cutoffNs`.
  async deleteRowsBefore(db: Database, cutoffNs: bigint): Promise<void> {
    for (const t of db.tables) {
      if (!t.deleted) await this.store.deleteBefore(db.id, t.name, cutoffNs);
    }
    this.lastPoints.onRowsDeleted(db, cutoffNs);
  }

  // Parses, validates and durably stores a write; resolves once the rows are in the WAL and queryable.
  async write(dbName: string, body: string, options: WriteOptions): Promise<WriteOutcome> {
    const outcome = await this.storeLines(dbName, body, options);
    if (outcome.linesWritten > 0) this.opts.metrics.write(dbName, outcome.linesWritten, body.length, outcome.errors.length);
    else this.opts.metrics.writeRejected(dbName, outcome.errors.length);
    return outcome;
  }

  private async storeLines(dbName: string, body: string, options: WriteOptions): Promise<WriteOutcome> {
    assertDatabaseName(dbName);
    if (dbName === INTERNAL_DB) throw badRequest(`cannot write to internal database ${INTERNAL_DB}`);
    this.gateway?.admit(dbName);
    const nowNs = this.clock.nowNs();
    const { rows, errors } = rowsFromBody(body, options.precision, nowNs);
    // As upstream: nothing to write is an error, and creates no database.
    if (rows.length === 0 && errors.length === 0) throw badRequest('incoming write was empty');
    if (errors.length > 0 && (!options.acceptPartial || rows.length === 0)) {
      return { linesWritten: 0, errors, limitHit: false };
    }
    const db = await this.ensureDatabase(dbName);
    const check = validateRows(this.catalog, db, rows, !options.acceptPartial);
    for (const p of check.problems) errors.push({ lineNumber: p.lineNumber, raw: p.raw, message: p.message });
    errors.sort((a, b) => a.lineNumber - b.lineNumber);
    const limitHit = check.problems.some((p) => p.limit);
    if (!options.acceptPartial) {
      if (errors.length > 0) return { linesWritten: 0, errors, limitHit };
      const applied = validateRows(this.catalog, db, rows);
      if (applied.problems.length > 0) {
        return { linesWritten: 0, errors: applied.problems.map((p) => ({ lineNumber: p.lineNumber, raw: p.raw, message: p.message })), limitHit };
      }
    }
    const accepted = check.accepted.map((a) => a.row);
    if (accepted.length === 0) return { linesWritten: 0, errors, limitHit };
    const payload = encodeWalWrite({ database: dbName, body, precision: options.precision, defaultTimeNs: nowNs, refusedLines: errors.map((e) => e.lineNumber) });
    const seq = this.wal ? await this.wal.append(payload, { sync: !options.noSync }) : ++this.lastSeq;
    if (seq > this.ackedSeq) this.ackedSeq = seq;
    this.gateway?.acknowledged({ seq, database: dbName, rows: accepted, bytes: payload.length, ackTimeNs: nowNs });
    this.flushes.add(dbName, accepted, seq);
    this.caches.onWrite(db, accepted);
    this.lastPoints.onWrite(db, accepted);
    await this.applyQueue.push({ dbName, rows: accepted, seq });
    return { linesWritten: accepted.length, errors, limitHit };
  }

  // Runs SQL against a database (retention enforced first); errors carry the engine's message.
  async query(dbName: string, sql: string, params?: QueryParams): Promise<QueryResult> {
    const db = this.catalog.requireDatabase(dbName);
    await this.applyQueue.whenApplied();
    await this.beforeQuery?.(db);
    const started = performance.now();
    try {
      const result = await this.lastPoints.query(db, sql, (q) => this.store.query(db.id, q, params));
      this.opts.metrics.query(performance.now() - started, true);
      return result;
    } catch (err) {
      this.opts.metrics.query(performance.now() - started, false);
      throw err;
    }
  }

  // Like query(), but the rows are read a DuckDB chunk at a time while `consume` runs (plugin queries page them).
  async queryRows<T>(dbName: string, sql: string, params: QueryParams | undefined, consume: (source: RowSource) => Promise<T>): Promise<T> {
    const db = this.catalog.requireDatabase(dbName);
    await this.applyQueue.whenApplied();
    await this.beforeQuery?.(db);
    const started = performance.now();
    try {
      const result = await this.store.queryRows(db.id, sql, params, consume);
      this.opts.metrics.query(performance.now() - started, true);
      return result;
    } catch (err) {
      this.opts.metrics.query(performance.now() - started, false);
      throw err;
    }
  }

  // The typed placeholders of a query (Flight SQL's prepared-statement parameter schema).
  async queryParameters(dbName: string, sql: string): Promise<QueryColumn[]> {
    const db = this.catalog.requireDatabase(dbName);
    return this.store.parameterColumns(db.id, sql);
  }

  async queryParquet(dbName: string, sql: string, params?: QueryParams): Promise<Buffer> {
    const db = this.catalog.requireDatabase(dbName);
    await this.applyQueue.whenApplied();
    await this.beforeQuery?.(db);
    return this.store.queryToParquet(db.id, sql, params);
  }

  // Applies WAL records to DuckDB in one transaction (replay re-derives the schema from the rows first).
  private async applyItems(items: ApplyItem[], replay = false): Promise<void> {
    const groups = new Map<string, { dbId: number; table: string; rows: WriteRow[] }>();
    let maxSeq = 0n;
    for (const { dbName, rows, seq } of items) {
      if (seq > maxSeq) maxSeq = seq;
      const db = await this.ensureDatabase(dbName);
      if (replay) validateRows(this.catalog, db, rows.map((row, i) => ({ row, lineNumber: i + 1, raw: '' })));
      // Rows of one write mostly name the table of the row before: the group key is built once per run.
      let last: { rows: WriteRow[] } | null = null;
      let lastTable = '';
      for (const r of rows) {
        if (last === null || r.table !== lastTable) {
          const key = `${db.id}\u0000${r.table}`;
          let g = groups.get(key);
          if (!g) {
            groups.set(key, (g = { dbId: db.id, table: r.table, rows: [] }));
            await this.schema.sync([this.catalog.table(db, r.table)!]);
          }
          last = g;
          lastTable = r.table;
        }
        last.rows.push(r);
      }
    }
    // A process node whose upstream answers SQL keeps no table data: only the applied seq advances (WAL truncation).
    await this.store.applyBatch(this.gateway?.keepsTableData() === false ? [] : [...groups.values()], maxSeq);
  }
}
