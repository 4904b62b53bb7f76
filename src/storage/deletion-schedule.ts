import type { Database, Table } from './catalog/catalog-resources.js';

// What a hard delete still has to do, in upstream's order: at the hard-delete time the data goes, and the catalog
// entry (listed as deleted in the meantime) goes --delete-grace-period later. A deleted table's data goes when it
// is deleted (docs/compatibility.md), so only its entry waits.
export type DeletionStep =
  | { kind: 'remove-database-data'; database: Database }
  | { kind: 'forget-database'; database: Database }
  | { kind: 'forget-table'; database: Database; table: Table };

export interface DeletionPlan {
  // Due now, in the order to run them (a database's data before its entry).
  due: DeletionStep[];
  // When the next step falls due, or null when nothing is pending.
  nextAtMs: number | null;
}

// Derived from the catalog alone (deleted flags, hard-delete times, data-removed marks), so a restart resumes it.
export function planDeletions(databases: readonly Database[], nowMs: number, graceMs: number): DeletionPlan {
  const due: DeletionStep[] = [];
  let nextAtMs: number | null = null;
  const later = (at: number): void => {
    nextAtMs = nextAtMs === null ? at : Math.min(nextAtMs, at);
  };
  for (const database of databases) {
    const hardAt = database.deleted && database.hardDeleteAt !== null ? Date.parse(database.hardDeleteAt) : null;
    if (hardAt !== null) {
      if (database.dataRemovedAt === null) {
        if (hardAt <= nowMs) due.push({ kind: 'remove-database-data', database });
        else later(hardAt);
      }
      if (hardAt + graceMs <= nowMs) {
        due.push({ kind: 'forget-database', database });
        continue;
      }
      later(hardAt + graceMs);
    }
    for (const table of database.tables) {
      if (!table.deleted || table.hardDeleteAt === null) continue;
      const forgetAt = Date.parse(table.hardDeleteAt) + graceMs;
      if (forgetAt <= nowMs) due.push({ kind: 'forget-table', database, table });
      else later(forgetAt);
    }
  }
  return { due, nextAtMs };
}
