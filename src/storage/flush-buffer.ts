import { EventEmitter } from 'node:events';
import type { Logger } from '../shared/logger.js';
import type { TableBatch, WalFlushEvent, WriteRow } from './types.js';

type PluginRow = TableBatch['rows'][number];

// Converts a stored row to the plugin shape: tags, then fields, then time, only the columns present.
export function toPluginRow(row: WriteRow): PluginRow {
  const out: PluginRow = {};
  for (const [k, v] of row.tags) out[k] = v;
  for (const f of row.fields) out[f.key] = f.value;
  out.time = row.time;
  return out;
}

// Collects acknowledged rows per database and emits one `flush` event per database every interval.
export class FlushBuffer extends EventEmitter<{ flush: [WalFlushEvent] }> {
  private pending = new Map<string, Map<string, PluginRow[]>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: { intervalMs: number; logger: Logger }) {
    super();
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), this.opts.intervalMs);
    this.timer.unref();
  }

  add(database: string, rows: WriteRow[]): void {
    if (this.listenerCount('flush') === 0) return;
    let tables = this.pending.get(database);
    if (!tables) this.pending.set(database, (tables = new Map()));
    for (const row of rows) {
      let list = tables.get(row.table);
      if (!list) tables.set(row.table, (list = []));
      list.push(toPluginRow(row));
    }
  }

  flush(): void {
    if (this.pending.size === 0) return;
    const batches = this.pending;
    this.pending = new Map();
    for (const [database, tables] of batches) {
      const event: WalFlushEvent = {
        database,
        tables: [...tables].map(([table_name, rows]) => ({ table_name, rows })),
      };
      try {
        this.emit('flush', event);
      } catch (err) {
        this.opts.logger.error({ err, database }, 'wal flush listener failed');
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
