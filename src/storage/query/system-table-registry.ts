import type { SystemTableLister, SystemTableProvider, VirtualTable } from './system-tables.js';

// Lets several owners (engine, caches, auth) contribute system.* tables after the store is built; each says which
// names it serves, so the listing (SHOW TABLES, information_schema.tables) is derived from what is registered.
export class SystemTableRegistry {
  private readonly providers: SystemTableProvider[] = [];
  private readonly tableNames = new Set<string>();

  add(provider: SystemTableProvider, names: readonly string[]): void {
    this.providers.push(provider);
    for (const name of names) this.tableNames.add(name);
  }

  readonly provide: SystemTableProvider = (dbName: string, table: string): VirtualTable | undefined => {
    for (const p of this.providers) {
      const t = p(dbName, table);
      if (t) return t;
    }
    return undefined;
  };

  // The registered names a database has, sorted.
  readonly names: SystemTableLister = (dbName: string): string[] =>
    [...this.tableNames].filter((name) => this.provide(dbName, name) !== undefined).sort();
}
