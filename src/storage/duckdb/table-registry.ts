import type { ColumnDef } from '../types.js';

// A table as the query layer sees it: names, InfluxDB types, tag-ness.
export interface RegisteredTable {
  name: string;
  // In DuckDB's physical order once `physical` is true (the appender writes columns in that order).
  columns: ColumnDef[];
  physical: boolean;
}

// Database id to name, needed for system tables and error texts.
export interface RegisteredDatabase {
  id: number;
  name: string;
  tables: Map<string, RegisteredTable>;
}

// DuckDB forgets which VARCHAR columns are tags; this in-memory view remembers it for information_schema and result types.
export class TableRegistry {
  private readonly databases = new Map<number, RegisteredDatabase>();

  database(dbId: number): RegisteredDatabase | undefined {
    return this.databases.get(dbId);
  }

  registerDatabase(dbId: number, dbName?: string): RegisteredDatabase {
    let db = this.databases.get(dbId);
    if (!db) {
      db = { id: dbId, name: dbName ?? `db_${dbId}`, tables: new Map() };
      this.databases.set(dbId, db);
    } else if (dbName !== undefined) {
      db.name = dbName;
    }
    return db;
  }

  dropDatabase(dbId: number): void {
    this.databases.delete(dbId);
  }

  table(dbId: number, table: string): RegisteredTable | undefined {
    return this.databases.get(dbId)?.tables.get(table);
  }

  // DuckDB resolves names case-insensitively, so `cpu` and `CPU` would be the same physical table.
  caseClash(dbId: number, table: string): string | undefined {
    const lower = table.toLowerCase();
    for (const name of this.databases.get(dbId)?.tables.keys() ?? []) {
      if (name !== table && name.toLowerCase() === lower) return name;
    }
    return undefined;
  }

  // Columns as read back from DuckDB: authoritative order.
  setPhysical(dbId: number, table: string, columns: ColumnDef[]): RegisteredTable {
    const db = this.registerDatabase(dbId);
    const entry = { name: table, columns: columns.map((c) => ({ ...c })), physical: true };
    db.tables.set(table, entry);
    return entry;
  }

  // Columns as the catalog knows them: updates types by name and never reorders known columns.
  merge(dbId: number, table: string, columns: ColumnDef[], dbName?: string): RegisteredTable {
    const db = this.registerDatabase(dbId, dbName);
    const entry = db.tables.get(table);
    if (!entry) {
      const fresh = { name: table, columns: columns.map((c) => ({ ...c })), physical: false };
      db.tables.set(table, fresh);
      return fresh;
    }
    for (const def of columns) {
      const known = entry.columns.find((c) => c.name === def.name);
      if (known) {
        const swap = (known.type === 'tag' && def.type === 'utf8') || (known.type === 'utf8' && def.type === 'tag');
        if (known.type !== def.type && !swap) entry.physical = false;
        known.type = def.type;
      } else {
        entry.columns.push({ ...def });
        entry.physical = false;
      }
    }
    return entry;
  }

  dropTable(dbId: number, table: string): void {
    this.databases.get(dbId)?.tables.delete(table);
  }

  tables(dbId: number): RegisteredTable[] {
    return [...(this.databases.get(dbId)?.tables.values() ?? [])];
  }
}
