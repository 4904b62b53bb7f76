import type { ColumnDef } from '../types.js';
import type { Database, Table } from './catalog-resources.js';

// What changed in the catalog, emitted after the change is made in memory (storage/schema keeps DuckDB in step).
export type CatalogEvent =
  | { kind: 'database-created'; database: Database }
  | { kind: 'database-updated'; database: Database }
  // Soft delete: the database is renamed and kept until the hard delete.
  | { kind: 'database-deleted'; database: Database; hardDeleteAt: string | null }
  // Hard delete: its data is to go for good (the entry stays, deleted, for the grace period).
  | { kind: 'database-removed'; database: Database }
  // The grace period after the hard delete is over: the entry leaves the catalog.
  | { kind: 'database-forgotten'; database: Database }
  | { kind: 'table-created'; database: Database; table: Table }
  | { kind: 'columns-added'; database: Database; table: Table; columns: ColumnDef[] }
  | { kind: 'table-removed'; database: Database; table: Table; name: string }
  | { kind: 'table-forgotten'; database: Database; table: Table }
  | { kind: 'triggers-changed' }
  | { kind: 'tokens-changed' }
  | { kind: 'caches-changed' };

export type CatalogListener = (event: CatalogEvent) => void;
