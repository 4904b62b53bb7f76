import { PreEncoded } from '../../ipc/index.js';
import type { TableBatch, WalFlushEvent } from '../../storage/types.js';
import { encodeTableBatches } from '../codec/encode-plugin-data.js';

// One database's WAL flush as WAL triggers receive it: encoded once (msgpack) and shared by every `all_tables`
// trigger of the database; `table:` triggers share one encoded slice per table (design.md "WAL batches").
export class WalBatch {
  private encoded: PreEncoded | null = null;
  private readonly slices = new Map<string, WalBatch | null>();
  readonly rows: number;

  constructor(
    readonly database: string,
    readonly tables: readonly TableBatch[],
  ) {
    this.rows = tables.reduce((n, t) => n + t.rows.length, 0);
  }

  static fromFlush(event: WalFlushEvent): WalBatch {
    return new WalBatch(event.database, event.tables);
  }

  // The `table_batches` argument, encoded on first use.
  get payload(): PreEncoded {
    this.encoded ??= new PreEncoded(encodeTableBatches(this.tables));
    return this.encoded;
  }

  // The batch a `table:<name>` trigger gets, or null when the flush has no rows for that table (no call then;
  // upstream calls with an empty list — a documented deviation).
  forTable(name: string): WalBatch | null {
    if (!this.slices.has(name)) {
      const table = this.tables.find((t) => t.table_name === name && t.rows.length > 0);
      this.slices.set(name, table ? new WalBatch(this.database, [table]) : null);
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
