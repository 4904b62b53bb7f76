import { PartedValue, PreEncoded, binWrapped, encodeTableBatchParts, type PluginTableBatch } from '../../../ipc/index.js';
import type { TableBatch, WalFlushEvent } from '../../../storage/types.js';

// A flush whose encoding is larger than this travels in parts the child fetches (`$/part`), each well under the
// frame cap, so no flush is too large to deliver.
export const WAL_PART_BYTES = 8 * 1024 * 1024;

// One database's WAL flush as WAL triggers receive it: encoded once (msgpack) and shared by every `all_tables`
// trigger of the database; `table:` triggers share one encoded slice per table (design.md "WAL batches").
export class WalBatch {
  private encoded: PreEncoded | PartedValue | null = null;
  private readonly slices = new Map<string, WalBatch | null>();
  readonly rows: number;

  constructor(
    readonly database: string,
    readonly tables: readonly TableBatch[],
    private readonly partBytes = WAL_PART_BYTES,
  ) {
    this.rows = tables.reduce((n, t) => n + t.rows.length, 0);
  }

  static fromFlush(event: Pick<WalFlushEvent, 'database' | 'tables'>): WalBatch {
    return new WalBatch(event.database, event.tables);
  }

  // The `table_batches` argument, encoded on first use: one value, or parts when the flush is large.
  get payload(): PreEncoded | PartedValue {
    if (!this.encoded) {
      const parts = encodeTableBatchParts(this.tables.map(pluginTableBatch), this.partBytes);
      this.encoded = parts.length === 1 ? new PreEncoded(binWrapped(parts[0]!)) : new PartedValue(parts.map((p) => new PreEncoded(p)));
    }
    return this.encoded;
  }

  // The batch a `table:<name>` trigger gets, or null when the flush has no rows for that table (no call then;
  // upstream calls with an empty list — a documented deviation).
  forTable(name: string): WalBatch | null {
    if (!this.slices.has(name)) {
      const table = this.tables.find((t) => t.table_name === name && t.rows.length > 0);
      this.slices.set(name, table ? new WalBatch(this.database, [table], this.partBytes) : null);
    }
    return this.slices.get(name)!;
  }

  // Two batches as one (queue overflow coalescing): rows of a table stay in write order, tables in first-seen order.
  static merge(first: WalBatch, second: WalBatch): WalBatch {
    const byTable = new Map<string, TableBatch['rows']>();
    for (const batch of [first, second]) {
      for (const t of batch.tables) {
        const rows = byTable.get(t.table_name);
        if (rows) byTable.set(t.table_name, rows.concat(t.rows));
        else byTable.set(t.table_name, t.rows);
      }
    }
    return new WalBatch(first.database, [...byTable].map(([table_name, rows]) => ({ table_name, rows })));
  }
}

// A flushed table as the plugin protocol encodes it.
export function pluginTableBatch(table: TableBatch): PluginTableBatch {
  return { tableName: table.table_name, rows: table.rows };
}
