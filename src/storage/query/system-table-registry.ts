import type { SystemTableProvider, VirtualTable } from './system-tables.js';

// Lets several owners (engine, caches, auth) contribute system.* tables after the store is built.
export class SystemTableRegistry {
  private readonly providers: SystemTableProvider[] = [];

  add(provider: SystemTableProvider): void {
    this.providers.push(provider);
  }

  readonly provide: SystemTableProvider = (dbName: string, table: string): VirtualTable | undefined => {
    for (const p of this.providers) {
      const t = p(dbName, table);
      if (t) return t;
    }
    return undefined;
  };
}
