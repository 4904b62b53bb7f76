import { mkdirSync, openSync, writeSync, fsyncSync, fchmodSync, closeSync, renameSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { AppError, conflict, notFound } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import type { ColumnDef, ColumnType, FieldType } from '../types.js';
import { assertDatabaseName, assertTableName, INTERNAL_DB } from './names.js';

export interface TableRecord {
  id: number;
  name: string;
  columns: ColumnDef[];
  deleted: boolean;
  hardDeleteAt: string | null;
}

export interface DatabaseRecord {
  id: number;
  name: string;
  retentionPeriod: string | null;
  retentionPeriodNs: string | null;
  deleted: boolean;
  hardDeleteAt: string | null;
  createdAt: string;
  tables: TableRecord[];
}

interface CatalogData {
  version: 1;
  catalogUuid: string;
  nextDatabaseId: number;
  nextTableId: number;
  databases: DatabaseRecord[];
  // Other owners (triggers, tokens, caches) keep their records here under their own key.
  sections: Record<string, unknown>;
}

export const LIMITS = { databases: 100, tablesTotal: 4000, columnsPerTable: 500, tagColumns: 4096 };

export function schemaLimitError(message: string): AppError {
  return new AppError('schema_limit', message, { status: 422 });
}

// The catalog: databases, tables and their column types, persisted as one JSON file replaced atomically.
export class Catalog {
  private data: CatalogData;
  private readonly file: string | null;

  constructor(private readonly opts: { dir: string | null; logger: Logger }) {
    this.file = opts.dir ? join(opts.dir, 'catalog.json') : null;
    this.data = {
      version: 1,
      catalogUuid: crypto.randomUUID(),
      nextDatabaseId: 1,
      nextTableId: 1,
      databases: [],
      sections: {},
    };
  }

  load(): void {
    if (this.file && existsSync(this.file)) {
      this.data = JSON.parse(readFileSync(this.file, 'utf8')) as CatalogData;
      this.data.sections ??= {};
      this.opts.logger.info({ file: this.file, databases: this.data.databases.length }, 'catalog loaded');
    }
    this.ensureInternal();
    this.persist();
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
      createdAt: new Date().toISOString(),
      tables: [],
    });
  }

  get uuid(): string {
    return this.data.catalogUuid;
  }

  // Writes catalog.json via a temporary file, fsync and rename so a crash leaves the old or the new file. It holds
  // token hashes: the file is 0600 (its directory 0700 if created here) whatever the umask.
  persist(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      fchmodSync(fd, 0o600);
      writeSync(fd, JSON.stringify(this.data, null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    const dfd = openSync(dirname(this.file), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }

  section<T>(name: string): T | undefined {
    return this.data.sections[name] as T | undefined;
  }

  setSection(name: string, value: unknown): void {
    this.data.sections[name] = value;
    this.persist();
  }

  databases(showDeleted = false): DatabaseRecord[] {
    return this.data.databases.filter((d) => showDeleted || !d.deleted);
  }

  database(name: string): DatabaseRecord | undefined {
    return this.data.databases.find((d) => d.name === name && !d.deleted);
  }

  databaseById(id: number): DatabaseRecord | undefined {
    return this.data.databases.find((d) => d.id === id);
  }

  requireDatabase(name: string): DatabaseRecord {
    const db = this.database(name);
    if (!db) throw notFound(`database not found: ${name}`);
    return db;
  }

  createDatabase(name: string, retention?: { text: string; ns: bigint } | null, ifNotExists = false): DatabaseRecord {
    assertDatabaseName(name);
    const existing = this.database(name);
    if (existing) {
      if (ifNotExists) return existing;
      throw conflict('attempted to create a resource that already exists');
    }
    if (this.databases().filter((d) => d.name !== INTERNAL_DB).length >= LIMITS.databases) {
      throw schemaLimitError(`database limit reached: at most ${LIMITS.databases} databases, cannot create '${name}'`);
    }
    const db: DatabaseRecord = {
      id: this.data.nextDatabaseId++,
      name,
      retentionPeriod: retention?.text ?? null,
      retentionPeriodNs: retention ? retention.ns.toString() : null,
      deleted: false,
      hardDeleteAt: null,
      createdAt: new Date().toISOString(),
      tables: [],
    };
    this.data.databases.push(db);
    this.persist();
    this.opts.logger.info({ db: name, id: db.id }, 'database created');
    return db;
  }

  setRetention(name: string, retention: { text: string; ns: bigint } | null): DatabaseRecord {
    const db = this.requireDatabase(name);
    db.retentionPeriod = retention?.text ?? null;
    db.retentionPeriodNs = retention ? retention.ns.toString() : null;
    this.persist();
    return db;
  }

  // Soft delete renames the database (`name-<timestamp>`) so the name can be reused, as InfluxDB 3 does.
  softDeleteDatabase(name: string, hardDeleteAt: string | null): DatabaseRecord {
    if (name === INTERNAL_DB) throw new AppError('forbidden', `cannot delete internal database ${INTERNAL_DB}`, { status: 400 });
    const db = this.requireDatabase(name);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
    db.deleted = true;
    db.name = `${name}-${stamp}`;
    db.hardDeleteAt = hardDeleteAt;
    this.persist();
    return db;
  }

  removeDatabase(id: number): void {
    this.data.databases = this.data.databases.filter((d) => d.id !== id);
    this.persist();
  }

  table(db: DatabaseRecord, name: string): TableRecord | undefined {
    return db.tables.find((t) => t.name === name && !t.deleted);
  }

  totalTables(): number {
    return this.databases().reduce((n, d) => n + d.tables.filter((t) => !t.deleted).length, 0);
  }

  // Adds a table (or returns the existing one); column types of an existing table must match.
  createTable(db: DatabaseRecord, name: string, columns: ColumnDef[], persist = true): TableRecord {
    assertTableName(name);
    if (this.table(db, name)) throw conflict('attempted to create a resource that already exists');
    if (this.totalTables() >= LIMITS.tablesTotal) {
      throw schemaLimitError(`table limit reached: at most ${LIMITS.tablesTotal} tables, cannot create '${name}'`);
    }
    const cols = [...columns];
    if (!cols.some((c) => c.name === 'time')) cols.push({ name: 'time', type: 'time' });
    const table: TableRecord = { id: this.data.nextTableId++, name, columns: cols, deleted: false, hardDeleteAt: null };
    db.tables.push(table);
    if (persist) this.persist();
    return table;
  }

  addColumn(table: TableRecord, name: string, type: ColumnType): void {
    if (table.columns.length >= LIMITS.columnsPerTable) {
      throw schemaLimitError(
        `column limit reached: table '${table.name}' already has ${LIMITS.columnsPerTable} columns, cannot add '${name}'`,
      );
    }
    // Keep `time` last, as InfluxDB 3 shows it.
    const timeIdx = table.columns.findIndex((c) => c.name === 'time');
    if (timeIdx >= 0) table.columns.splice(timeIdx, 0, { name, type });
    else table.columns.push({ name, type });
  }

  softDeleteTable(db: DatabaseRecord, name: string, hardDeleteAt: string | null): TableRecord {
    const t = this.table(db, name);
    if (!t) throw notFound(`table not found: ${name}`);
    t.deleted = true;
    t.hardDeleteAt = hardDeleteAt;
    t.name = `${name}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}`;
    this.persist();
    return t;
  }

  removeTable(db: DatabaseRecord, tableId: number): void {
    db.tables = db.tables.filter((t) => t.id !== tableId);
    this.persist();
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
