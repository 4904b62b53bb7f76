import { join } from 'node:path';
import { AppError, conflict, notFound } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import type { ColumnDef, ColumnType, FieldType } from '../types.js';
import { CATALOG_FILE_VERSION, readCatalogFile, writeCatalogFile } from './catalog-file.js';
import type { CatalogEvent, CatalogListener } from './catalog-events.js';
import type { CacheDefinitions, CatalogState, Database, Table, TokenList, TriggerList } from './catalog-resources.js';
import { assertDatabaseName, assertTableName, INTERNAL_DB } from './names.js';

export const LIMITS = { databases: 100, tablesTotal: 4000, columnsPerTable: 500, tagColumns: 4096 };

export function schemaLimitError(message: string): AppError {
  return new AppError('schema_limit', message, { status: 422 });
}

// The catalog: databases, tables and their column types, triggers, tokens and cache definitions, persisted as one
// file (catalog-file.ts) replaced atomically. Every change is announced to the listeners (storage/schema follows
// them).
export class Catalog {
  private data: CatalogState;
  private readonly file: string | null;
  private readonly listeners: CatalogListener[] = [];

  constructor(private readonly opts: { dir: string | null; logger: Logger }) {
    this.file = opts.dir ? join(opts.dir, 'catalog.json') : null;
    this.data = {
      catalogUuid: crypto.randomUUID(),
      nextDatabaseId: 1,
      nextTableId: 1,
      databases: [],
      triggers: null,
      tokens: null,
      caches: null,
    };
  }

  // Reads catalog.json (any version it knows) and writes it back in the current shape.
  load(): void {
    const read = this.file ? readCatalogFile(this.file) : null;
    if (read) {
      this.data = read.state;
      this.opts.logger.info({ file: this.file, databases: this.data.databases.length }, 'catalog loaded');
      if (read.version !== CATALOG_FILE_VERSION) {
        this.opts.logger.info({ file: this.file, from: read.version, to: CATALOG_FILE_VERSION }, 'catalog file migrated');
      }
    }
    this.ensureInternal();
    this.persist();
  }

  // Listeners run synchronously after each change, in the order they subscribed.
  subscribe(listener: CatalogListener): void {
    this.listeners.push(listener);
  }

  private emit(event: CatalogEvent): void {
    for (const l of this.listeners) l(event);
  }

  // `_internal` always exists, as upstream: system tables such as plugin_files live there; it takes no writes.
  private ensureInternal(): void {
    if (this.database(INTERNAL_DB)) return;
    this.data.databases.push({
      id: this.data.nextDatabaseId++,
      name: INTERNAL_DB,
      retentionPeriod: null,
      retentionPeriodNs: null,
      deleted: false,
      hardDeleteAt: null,
      dataRemovedAt: null,
      createdAt: new Date().toISOString(),
      tables: [],
    });
  }

  get uuid(): string {
    return this.data.catalogUuid;
  }

  // Writes catalog.json atomically (catalog-file.ts); the file holds token hashes and is 0600.
  persist(): void {
    this.data.sequence = (this.data.sequence ?? 0) + 1;
    if (this.file) writeCatalogFile(this.file, this.data);
  }

  // The number of the last persisted change (upstream's catalog sequence number).
  get sequence(): number {
    return this.data.sequence ?? 0;
  }

  // The processing engine's triggers (storage keeps them; engine/triggers interprets them).
  triggers(): TriggerList {
    return this.data.triggers ?? { nextId: 1, triggers: [] };
  }

  setTriggers(list: TriggerList): void {
    this.data.triggers = list;
    this.persist();
    this.emit({ kind: 'triggers-changed' });
  }

  tokens(): TokenList {
    return this.data.tokens ?? { nextId: 1, tokens: [] };
  }

  setTokens(list: TokenList): void {
    this.data.tokens = list;
    this.persist();
    this.emit({ kind: 'tokens-changed' });
  }

  // Last-value and distinct-value cache definitions, or null when none were ever saved.
  cacheDefinitions(): CacheDefinitions | null {
    return this.data.caches;
  }

  setCacheDefinitions(defs: CacheDefinitions): void {
    this.data.caches = defs;
    this.persist();
    this.emit({ kind: 'caches-changed' });
  }

  databases(showDeleted = false): Database[] {
    return this.data.databases.filter((d) => showDeleted || !d.deleted);
  }

  database(name: string): Database | undefined {
    return this.data.databases.find((d) => d.name === name && !d.deleted);
  }

  databaseById(id: number): Database | undefined {
    return this.data.databases.find((d) => d.id === id);
  }

  requireDatabase(name: string): Database {
    const db = this.database(name);
    if (!db) throw notFound(`database not found: ${name}`);
    return db;
  }

  createDatabase(name: string, retention?: { text: string; ns: bigint } | null, ifNotExists = false): Database {
    assertDatabaseName(name);
    const existing = this.database(name);
    if (existing) {
      if (ifNotExists) return existing;
      throw conflict('attempted to create a resource that already exists');
    }
    if (this.databases().filter((d) => d.name !== INTERNAL_DB).length >= LIMITS.databases) {
      throw schemaLimitError(`database limit reached: at most ${LIMITS.databases} databases, cannot create '${name}'`);
    }
    const db: Database = {
      id: this.data.nextDatabaseId++,
      name,
      retentionPeriod: retention?.text ?? null,
      retentionPeriodNs: retention ? retention.ns.toString() : null,
      deleted: false,
      hardDeleteAt: null,
      dataRemovedAt: null,
      createdAt: new Date().toISOString(),
      tables: [],
    };
    this.data.databases.push(db);
    this.persist();
    this.opts.logger.info({ db: name, id: db.id }, 'database created');
    this.emit({ kind: 'database-created', database: db });
    return db;
  }

  setRetention(name: string, retention: { text: string; ns: bigint } | null): Database {
    const db = this.requireDatabase(name);
    db.retentionPeriod = retention?.text ?? null;
    db.retentionPeriodNs = retention ? retention.ns.toString() : null;
    this.persist();
    this.emit({ kind: 'database-updated', database: db });
    return db;
  }

  // Soft delete renames the database (`name-<timestamp>`) so the name can be reused, as InfluxDB 3 does.
  softDeleteDatabase(name: string, hardDeleteAt: string | null): Database {
    if (name === INTERNAL_DB) throw new AppError('forbidden', `cannot delete internal database ${INTERNAL_DB}`, { status: 400 });
    const db = this.requireDatabase(name);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
    db.deleted = true;
    db.name = `${name}-${stamp}`;
    db.hardDeleteAt = hardDeleteAt;
    this.persist();
    this.emit({ kind: 'database-deleted', database: db, hardDeleteAt });
    return db;
  }

  // Hard delete: the database's data goes (listeners drop it); its entry stays, deleted, until forgetDatabase().
  removeDatabase(id: number, nowMs = Date.now()): void {
    const db = this.databaseById(id);
    if (!db || db.dataRemovedAt !== null) return;
    db.dataRemovedAt = new Date(nowMs).toISOString();
    this.persist();
    this.emit({ kind: 'database-removed', database: db });
  }

  // The end of the delete grace period: the entry of a hard-deleted database leaves the catalog.
  forgetDatabase(id: number): void {
    const db = this.databaseById(id);
    if (!db) return;
    this.data.databases = this.data.databases.filter((d) => d.id !== id);
    this.persist();
    this.emit({ kind: 'database-forgotten', database: db });
  }

  table(db: Database, name: string): Table | undefined {
    return db.tables.find((t) => t.name === name && !t.deleted);
  }

  totalTables(): number {
    return this.databases().reduce((n, d) => n + d.tables.filter((t) => !t.deleted).length, 0);
  }

  // Adds a table (or returns the existing one); column types of an existing table must match.
  createTable(db: Database, name: string, columns: ColumnDef[], persist = true): Table {
    assertTableName(name);
    if (this.table(db, name)) throw conflict('attempted to create a resource that already exists');
    if (this.totalTables() >= LIMITS.tablesTotal) {
      throw schemaLimitError(`table limit reached: at most ${LIMITS.tablesTotal} tables, cannot create '${name}'`);
    }
    const cols = [...columns];
    if (!cols.some((c) => c.name === 'time')) cols.push({ name: 'time', type: 'time' });
    const table: Table = { id: this.data.nextTableId++, name, columns: cols, deleted: false, hardDeleteAt: null };
    db.tables.push(table);
    if (persist) this.persist();
    this.emit({ kind: 'table-created', database: db, table });
    return table;
  }

  // The write path adds columns as rows name them; the catalog is persisted at the next checkpoint.
  addColumn(db: Database, table: Table, name: string, type: ColumnType): void {
    if (table.columns.length >= LIMITS.columnsPerTable) {
      throw schemaLimitError(
        `column limit reached: table '${table.name}' already has ${LIMITS.columnsPerTable} columns, cannot add '${name}'`,
      );
    }
    // Keep `time` last, as InfluxDB 3 shows it.
    const timeIdx = table.columns.findIndex((c) => c.name === 'time');
    if (timeIdx >= 0) table.columns.splice(timeIdx, 0, { name, type });
    else table.columns.push({ name, type });
    this.emit({ kind: 'columns-added', database: db, table, columns: [{ name, type }] });
  }

  // Deletes a table: it is marked deleted (renamed `name-<timestamp>`, as upstream) and listeners drop its data under
  // its former name; the entry stays listed until forgetTable() (its hard-delete time plus the grace period).
  deleteTable(db: Database, name: string, hardDeleteAt: string | null): Table {
    const t = this.table(db, name);
    if (!t) throw notFound(`table not found: ${name}`);
    t.deleted = true;
    t.hardDeleteAt = hardDeleteAt;
    t.name = `${name}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}`;
    this.persist();
    this.emit({ kind: 'table-removed', database: db, table: t, name });
    return t;
  }

  // The end of the delete grace period: a deleted table's entry leaves the catalog.
  forgetTable(db: Database, tableId: number): void {
    const t = db.tables.find((x) => x.id === tableId && x.deleted);
    if (!t) return;
    db.tables = db.tables.filter((x) => x.id !== tableId);
    this.persist();
    this.emit({ kind: 'table-forgotten', database: db, table: t });
  }
}

export const ARROW_TYPE: Record<ColumnType, string> = {
  tag: 'Dictionary(Int32, Utf8)',
  time: 'Timestamp(Nanosecond, None)',
  int64: 'Int64',
  uint64: 'UInt64',
  float64: 'Float64',
  utf8: 'Utf8',
  bool: 'Boolean',
};

export function fieldTypeName(t: FieldType | 'tag' | 'time'): string {
  return ARROW_TYPE[t];
}
