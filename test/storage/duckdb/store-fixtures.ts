import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/shared/logger.js';
import { DuckDbStore, type DuckDbStoreOptions } from '../../../src/storage/duckdb/duckdb-store.js';
import type { ColumnDef, Field, FieldType, WriteRow } from '../../../src/storage/types.js';

// Test data builders shared by the storage and query tests.
export const CPU_COLUMNS: ColumnDef[] = [
  { name: 'host', type: 'tag' },
  { name: 'region', type: 'tag' },
  { name: 'usage', type: 'float64' },
  { name: 'time', type: 'time' },
];

// A field whose type follows from the JS value unless given.
export function field(key: string, value: Field['value'], type?: FieldType): Field {
  const inferred: FieldType =
    type ?? (typeof value === 'bigint' ? 'int64' : typeof value === 'number' ? 'float64' : typeof value === 'boolean' ? 'bool' : 'utf8');
  return { key, type: inferred, value };
}

// A WriteRow from a tag object and fields.
export function row(table: string, tags: Record<string, string>, fields: Field[], time: bigint): WriteRow {
  return { table, tags: Object.entries(tags), fields, time };
}

// A private directory, removed by cleanup().
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'duckdb-store-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// An opened store with a silent logger.
export async function openStore(path = ':memory:', extra: Partial<DuckDbStoreOptions> = {}): Promise<DuckDbStore> {
  const store = new DuckDbStore({ path, logger: createLogger('silent'), ...extra });
  await store.open();
  return store;
}
