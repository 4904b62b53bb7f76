import type { WriteRow } from '../types.js';

// One table's rows of a WAL record, as the write path hands them over.
export interface BatchGroup {
  dbId: number;
  table: string;
  rows: WriteRow[];
}

// One appender per table per batch: groups naming the same table are concatenated, order kept.
export function mergeGroups(groups: BatchGroup[]): Map<string, BatchGroup> {
  const merged = new Map<string, BatchGroup>();
  for (const group of groups) {
    const key = `${group.dbId}\u0000${group.table}`;
    const existing = merged.get(key);
    if (existing) existing.rows = existing.rows.concat(group.rows);
    else merged.set(key, { dbId: group.dbId, table: group.table, rows: group.rows });
  }
  return merged;
}
