import type { Catalog } from '../catalog/catalog.js';
import type { CatalogEvent } from '../catalog/catalog-events.js';
import type { Database, Table } from '../catalog/catalog-resources.js';
import type { DuckDbStore } from '../duckdb/duckdb-store.js';

type SchemaOp = { kind: 'create-database'; dbId: number } | { kind: 'drop-database'; dbId: number } | { kind: 'drop-table'; dbId: number; name: string };

// The one place that keeps DuckDB's schemas and tables and the store's table registry in step with the catalog: it
// follows the catalog's events and applies them when sync() is awaited (catalog changes are synchronous, DuckDB's
// are not). A table whose DDL failed stays pending and is retried by the next sync() that names it.
export class SchemaSync {
  private readonly ops: SchemaOp[] = [];
  // Tables created or widened since their DuckDB table was last brought in step, by catalog table id.
  private readonly dirty = new Map<number, { db: Database; table: Table }>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly catalog: Catalog, private readonly store: DuckDbStore) {
    catalog.subscribe((e) => this.follow(e));
  }

  private follow(e: CatalogEvent): void {
    switch (e.kind) {
      case 'database-created':
        this.store.registerDatabase(e.database.id, e.database.name);
        this.ops.push({ kind: 'create-database', dbId: e.database.id });
        break;
      case 'database-deleted':
        // A soft-deleted database is renamed; its data stays until the hard delete.
        this.store.registerDatabase(e.database.id, e.database.name);
        break;
      case 'database-removed':
        for (const [id, d] of this.dirty) if (d.db.id === e.database.id) this.dirty.delete(id);
        this.ops.push({ kind: 'drop-database', dbId: e.database.id });
        break;
      case 'table-created':
      case 'columns-added':
        this.dirty.set(e.table.id, { db: e.database, table: e.table });
        break;
      case 'table-removed':
        this.dirty.delete(e.table.id);
        this.ops.push({ kind: 'drop-table', dbId: e.database.id, name: e.name });
        break;
      default:
        break;
    }
  }

  // At start, after the catalog is loaded and DuckDB opened: every database and table of the catalog.
  async start(): Promise<void> {
    this.ops.length = 0;
    this.dirty.clear();
    for (const db of this.catalog.databases(true)) {
      // A hard-deleted database in its grace period, or a deleted table, has no data left to open.
      if (db.dataRemovedAt !== null) continue;
      await this.store.createDatabase(db.id);
      this.store.registerDatabase(db.id, db.name);
      for (const t of db.tables) {
        if (t.deleted) continue;
        await this.store.ensureTable(db.id, t.name, t.columns);
        this.store.registerTable(db.id, db.name, t.name, t.columns);
      }
    }
  }

  // Applies database changes so far and brings the given tables (every changed table when omitted) in step.
  sync(tables?: readonly Table[]): Promise<void> {
    const run = this.queue.then(() => this.apply(tables));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(tables: readonly Table[] | undefined): Promise<void> {
    while (this.ops.length > 0) {
      const op = this.ops.shift()!;
      if (op.kind === 'create-database') await this.store.createDatabase(op.dbId);
      else if (op.kind === 'drop-database') await this.store.dropDatabase(op.dbId);
      else await this.store.dropTable(op.dbId, op.name);
    }
    const ids = tables ? tables.map((t) => t.id) : [...this.dirty.keys()];
    for (const id of ids) {
      const entry = this.dirty.get(id);
      if (!entry) continue;
      this.dirty.delete(id);
      const { db, table } = entry;
      try {
        await this.store.ensureTable(db.id, table.name, table.columns);
      } catch (err) {
        if (!this.dirty.has(id)) this.dirty.set(id, entry);
        throw err;
      }
      this.store.registerTable(db.id, db.name, table.name, table.columns);
    }
  }
}
