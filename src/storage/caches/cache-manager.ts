import { conflict, notFound } from '../../shared/app-error.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Database, DistinctCacheDefinition, LastCacheDefinition, Table } from '../catalog/catalog-resources.js';
import { planningError } from '../query/query-errors.js';
import type { QueryResult } from '../query/query-result.js';
import type { SystemTableProvider } from '../query/system-tables.js';
import type { TableFunctionCall, TableFunctionProvider, TableFunctionResult } from '../query/table-functions.js';
import type { WriteRow } from '../types.js';
import { distinctCacheBackfillSql, lastCacheBackfillSql, resultToWriteRows } from './cache-backfill.js';
import { distinctCacheBatch, lastCacheBatch } from './cache-batch.js';
import { distinctCacheDefinition, lastCacheDefinition } from './cache-definitions.js';
import { DISTINCT_CACHE_FUNCTION, LAST_CACHE_FUNCTION, callTarget, distinctCacheTable, lastCacheTable, pickCache } from './cache-queries.js';
import { cacheSystemTables } from './cache-system-tables.js';
import { cacheNotFound } from './errors.js';
import { DistinctValueCache } from './distinct-value-cache.js';
import { LastValueCache, type KeyColumn } from './last-value-cache.js';

// Runs SQL against a database once every acknowledged write is in DuckDB (StorageEngine supplies it).
export type CacheQuery = (dbId: number, sql: string) => Promise<QueryResult>;

interface TableCaches {
  last: LastValueCache[];
  distinct: DistinctValueCache[];
}

const PRUNE_INTERVAL_MS = 10_000;

function keyColumns(table: Table, names: readonly string[]): KeyColumn[] {
  return names.map((n) => {
    const col = table.columns.find((c) => c.name === n);
    return { name: n, type: col?.type ?? 'tag' };
  });
}

/**
 * The last-value and distinct-value caches of every database: definitions in the catalog, contents in memory,
 * filled from the write path as rows are acknowledged and backfilled from DuckDB on create and at start-up.
 */
export class CacheManager implements TableFunctionProvider {
  readonly names: ReadonlySet<string> = new Set([LAST_CACHE_FUNCTION, DISTINCT_CACHE_FUNCTION]);
  readonly systemTables: SystemTableProvider;
  // dbId → table name → caches: the write path's lookup.
  private readonly byDb = new Map<number, Map<string, TableCaches>>();
  private lastDefs: LastCacheDefinition[] = [];
  private distinctDefs: DistinctCacheDefinition[] = [];
  private query: CacheQuery | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: { catalog: Catalog; logger: Logger; clock: Clock }) {
    this.systemTables = cacheSystemTables(opts.catalog, {
      lastDefinitions: () => this.lastDefs,
      distinctDefinitions: () => this.distinctDefs,
    });
    // A deleted table or database (soft or hard) takes its caches with it.
    opts.catalog.subscribe((e) => {
      if (e.kind === 'table-removed') this.dropTable(e.database.id, e.table.id);
      else if (e.kind === 'database-deleted' || e.kind === 'database-removed') this.dropDatabase(e.database.id);
    });
  }

  // After WAL replay: loads the definitions and refills every cache from stored data.
  async start(query: CacheQuery): Promise<void> {
    this.query = query;
    const section = this.opts.catalog.cacheDefinitions();
    const tableOf = (d: { dbId: number; tableId: number }) => this.opts.catalog.databaseById(d.dbId)?.tables.find((t) => t.id === d.tableId && !t.deleted);
    const keep = <T extends { dbId: number; tableId: number; name: string }>(defs: T[] | undefined): T[] =>
      (defs ?? []).filter((d) => {
        const ok = tableOf(d) !== undefined && !this.opts.catalog.databaseById(d.dbId)?.deleted;
        if (!ok) this.opts.logger.warn({ cache: d.name }, 'dropping cache definition whose table is gone');
        return ok;
      });
    this.lastDefs = keep(section?.last);
    this.distinctDefs = keep(section?.distinct);
    if (section && (this.lastDefs.length !== section.last.length || this.distinctDefs.length !== section.distinct.length)) this.persist();
    const started = performance.now();
    for (const def of this.lastDefs) await this.backfillLast(this.attachLast(def, tableOf(def)!), tableOf(def)!);
    for (const def of this.distinctDefs) await this.backfillDistinct(this.attachDistinct(def, tableOf(def)!), tableOf(def)!);
    if (this.lastDefs.length + this.distinctDefs.length > 0) {
      this.opts.logger.info({ last: this.lastDefs.length, distinct: this.distinctDefs.length, ms: Math.round(performance.now() - started) }, 'caches rebuilt from stored data');
    }
    this.timer = setInterval(() => this.prune(), PRUNE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  // The write path, after the WAL append: costs one map lookup per write when the database has no caches.
  onWrite(db: Database, rows: readonly WriteRow[]): void {
    const tables = this.byDb.get(db.id);
    if (!tables) return;
    // Most writes are one table; otherwise split the rows per cached table, keeping their order.
    let only: string | undefined = rows[0]?.table;
    for (const row of rows) if (row.table !== only) only = undefined;
    const groups = only !== undefined ? [[only, rows] as const] : this.byTable(rows, tables);
    const nowMs = this.opts.clock.nowMs();
    const nowNs = this.opts.clock.nowNs();
    try {
      for (const [table, tableRows] of groups) {
        const caches = tables.get(table);
        if (!caches) continue;
        for (const c of caches.last) c.pushAll(tableRows, nowMs);
        for (const c of caches.distinct) c.pushAll(tableRows, nowNs);
      }
    } catch (err) {
      // The write is already in the WAL: a cache fault must never fail it.
      this.opts.logger.error({ err, db: db.name }, 'updating caches failed');
    }
  }

  private byTable(rows: readonly WriteRow[], tables: Map<string, TableCaches>): Array<readonly [string, WriteRow[]]> {
    const out = new Map<string, WriteRow[]>();
    for (const row of rows) {
      if (!tables.has(row.table)) continue;
      let list = out.get(row.table);
      if (!list) out.set(row.table, (list = []));
      list.push(row);
    }
    return [...out];
  }

  async createLastCache(dbName: string, tableName: string, body: Record<string, unknown>): Promise<LastCacheDefinition> {
    const { db, table } = this.resolve(dbName, tableName);
    const def = lastCacheDefinition(db.id, table, body);
    if (this.lastDefs.some((d) => d.tableId === table.id && d.name === def.name)) throw conflict('attempted to create a resource that already exists');
    this.lastDefs.push(def);
    this.persist();
    await this.backfillLast(this.attachLast(def, table), table);
    this.opts.logger.info({ db: dbName, table: tableName, cache: def.name }, 'last cache created');
    return def;
  }

  async createDistinctCache(dbName: string, tableName: string, body: Record<string, unknown>): Promise<DistinctCacheDefinition> {
    const { db, table } = this.resolve(dbName, tableName);
    const def = distinctCacheDefinition(db.id, table, body);
    if (this.distinctDefs.some((d) => d.tableId === table.id && d.name === def.name)) throw conflict('attempted to create a resource that already exists');
    this.distinctDefs.push(def);
    this.persist();
    await this.backfillDistinct(this.attachDistinct(def, table), table);
    this.opts.logger.info({ db: dbName, table: tableName, cache: def.name }, 'distinct cache created');
    return def;
  }

  // What upstream answers a create with: the catalog batch holding the new definition (cache-batch.ts).
  createdBatch(def: LastCacheDefinition | DistinctCacheDefinition): string {
    const db = this.opts.catalog.databaseById(def.dbId);
    const table = db?.tables.find((t) => t.id === def.tableId);
    if (!db || !table) throw notFound(`table not found: ${def.table}`);
    const base = { db, table, sequence: this.opts.catalog.sequence, timeNs: this.opts.clock.nowNs() };
    if ('keyColumns' in def) {
      return lastCacheBatch(def, { ...base, cacheId: this.lastDefs.filter((d) => d.tableId === def.tableId).indexOf(def) });
    }
    return distinctCacheBatch(def, { ...base, cacheId: this.distinctDefs.filter((d) => d.tableId === def.tableId).indexOf(def) });
  }

  deleteLastCache(dbName: string, tableName: string, name: string): void {
    const { table } = this.resolve(dbName, tableName);
    const before = this.lastDefs.length;
    this.lastDefs = this.lastDefs.filter((d) => !(d.tableId === table.id && d.name === name));
    if (this.lastDefs.length === before) throw cacheNotFound('last', name, tableName);
    this.detach((c) => c.def.tableId === table.id && c.def.name === name, 'last');
    this.persist();
  }

  deleteDistinctCache(dbName: string, tableName: string, name: string): void {
    const { table } = this.resolve(dbName, tableName);
    const before = this.distinctDefs.length;
    this.distinctDefs = this.distinctDefs.filter((d) => !(d.tableId === table.id && d.name === name));
    if (this.distinctDefs.length === before) throw cacheNotFound('distinct', name, tableName);
    this.detach((c) => c.def.tableId === table.id && c.def.name === name, 'distinct');
    this.persist();
  }

  private dropTable(dbId: number, tableId: number): void {
    const match = (d: { dbId: number; tableId: number }) => d.dbId === dbId && d.tableId === tableId;
    if (!this.lastDefs.some(match) && !this.distinctDefs.some(match)) return;
    this.lastDefs = this.lastDefs.filter((d) => !match(d));
    this.distinctDefs = this.distinctDefs.filter((d) => !match(d));
    this.detach((c) => match(c.def), 'last');
    this.detach((c) => match(c.def), 'distinct');
    this.persist();
  }

  private dropDatabase(dbId: number): void {
    if (!this.lastDefs.some((d) => d.dbId === dbId) && !this.distinctDefs.some((d) => d.dbId === dbId)) return;
    this.lastDefs = this.lastDefs.filter((d) => d.dbId !== dbId);
    this.distinctDefs = this.distinctDefs.filter((d) => d.dbId !== dbId);
    this.byDb.delete(dbId);
    this.persist();
  }

  lastDefinitions(): readonly LastCacheDefinition[] {
    return this.lastDefs;
  }

  distinctDefinitions(): readonly DistinctCacheDefinition[] {
    return this.distinctDefs;
  }

  // The live cache objects (in-process readers and benchmarks); the name may be omitted when the table has one.
  lastValueCache(dbName: string, table: string, name?: string): LastValueCache {
    const { db } = this.resolve(dbName, table);
    return pickCache(this.byDb.get(db.id)?.get(table)?.last ?? [], LAST_CACHE_FUNCTION, table, name);
  }

  distinctValueCache(dbName: string, table: string, name?: string): DistinctValueCache {
    const { db } = this.resolve(dbName, table);
    return pickCache(this.byDb.get(db.id)?.get(table)?.distinct ?? [], DISTINCT_CACHE_FUNCTION, table, name);
  }

  // `last_cache(…)` / `distinct_cache(…)` in SQL (see query/table-functions.ts).
  call(dbId: number, call: TableFunctionCall): TableFunctionResult {
    const { table: tableName, cacheName } = callTarget(call);
    const db = this.opts.catalog.databaseById(dbId);
    const table = db ? this.opts.catalog.table(db, tableName) : undefined;
    if (!db || !table) throw planningError(`provided table name is invalid: '${tableName}'`);
    const caches = this.byDb.get(dbId)?.get(tableName);
    if (call.name === LAST_CACHE_FUNCTION) {
      const cache = pickCache(caches?.last ?? [], call.name, tableName, cacheName);
      return lastCacheTable(cache, table, call.predicates, this.opts.clock.nowMs());
    }
    const cache = pickCache(caches?.distinct ?? [], call.name, tableName, cacheName);
    return distinctCacheTable(cache, call.predicates, this.opts.clock.nowNs());
  }

  // Expired rows leave memory every 10 s (reads already skip them).
  prune(): void {
    const nowMs = this.opts.clock.nowMs();
    const nowNs = this.opts.clock.nowNs();
    for (const tables of this.byDb.values()) {
      for (const caches of tables.values()) {
        for (const c of caches.last) c.prune(nowMs);
        for (const c of caches.distinct) c.prune(nowNs);
      }
    }
  }

  private resolve(dbName: string, tableName: string): { db: Database; table: Table } {
    const db = this.opts.catalog.requireDatabase(dbName);
    const table = this.opts.catalog.table(db, tableName);
    if (!table) throw notFound(`table not found: ${tableName}`);
    return { db, table };
  }

  private tableCaches(dbId: number, table: string): TableCaches {
    let tables = this.byDb.get(dbId);
    if (!tables) this.byDb.set(dbId, (tables = new Map()));
    let caches = tables.get(table);
    if (!caches) tables.set(table, (caches = { last: [], distinct: [] }));
    return caches;
  }

  private attachLast(def: LastCacheDefinition, table: Table): LastValueCache {
    const cache = new LastValueCache(def, keyColumns(table, def.keyColumns));
    this.tableCaches(def.dbId, table.name).last.push(cache);
    return cache;
  }

  private attachDistinct(def: DistinctCacheDefinition, table: Table): DistinctValueCache {
    const cache = new DistinctValueCache(def, keyColumns(table, def.columns));
    this.tableCaches(def.dbId, table.name).distinct.push(cache);
    return cache;
  }

  private detach(match: (c: { def: { dbId: number; tableId: number; name: string } }) => boolean, kind: 'last' | 'distinct'): void {
    for (const [dbId, tables] of this.byDb) {
      for (const [name, caches] of tables) {
        if (kind === 'last') caches.last = caches.last.filter((c) => !match(c));
        else caches.distinct = caches.distinct.filter((c) => !match(c));
        if (caches.last.length === 0 && caches.distinct.length === 0) tables.delete(name);
      }
      if (tables.size === 0) this.byDb.delete(dbId);
    }
  }

  // Fills a new (or restarted) cache from DuckDB; live writes already reach it, and older rows never displace newer.
  private async backfillLast(cache: LastValueCache, table: Table): Promise<void> {
    const rows = await this.backfill(cache.def.dbId, cache.def.name, lastCacheBackfillSql(cache.def, table, this.opts.clock.nowNs()), table);
    const nowMs = this.opts.clock.nowMs();
    for (const row of rows) cache.push(row, Math.min(nowMs, Number(row.time / 1_000_000n)));
  }

  private async backfillDistinct(cache: DistinctValueCache, table: Table): Promise<void> {
    const rows = await this.backfill(cache.def.dbId, cache.def.name, distinctCacheBackfillSql(cache.def, table, this.opts.clock.nowNs()), table);
    const nowNs = this.opts.clock.nowNs();
    for (const row of rows) cache.push(row, nowNs);
  }

  private async backfill(dbId: number, name: string, sql: string, table: Table): Promise<WriteRow[]> {
    if (!this.query) return [];
    try {
      return resultToWriteRows(await this.query(dbId, sql), table);
    } catch (err) {
      // A table created through the API but never written has no DuckDB table yet: nothing to load.
      this.opts.logger.warn({ err, cache: name }, 'cache backfill from stored rows failed; the cache fills from new writes');
      return [];
    }
  }

  private persist(): void {
    this.opts.catalog.setCacheDefinitions({ last: this.lastDefs, distinct: this.distinctDefs });
  }
}
