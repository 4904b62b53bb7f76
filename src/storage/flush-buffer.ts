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

interface PendingDatabase {
  tables: Map<string, PluginRow[]>;
  firstSeq: bigint;
  lastSeq: bigint;
}

// Collects acknowledged rows per database and emits one `flush` event per database every interval. Writes are added
// in WAL seq order (acks go out in seq order), so one flush holds every collected record up to its `throughSeq`.
// Rows of databases that `collects` declines are not kept (no WAL trigger wants them): a flush then only says how
// far the WAL got (`position`), so the cursors of WAL triggers on quiet databases still move.
export class FlushBuffer extends EventEmitter<{ flush: [WalFlushEvent]; position: [bigint] }> {
  private pending = new Map<string, PendingDatabase>();
  private timer: NodeJS.Timeout | null = null;
  private throughSeq = 0n;
  private announcedSeq = 0n;
  // Which databases' rows to collect (set by the processing engine); all of them when null.
  collects: ((database: string) => boolean) | null = null;

  constructor(private readonly opts: { intervalMs: number; logger: Logger }) {
    super();
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), this.opts.intervalMs);
    this.timer.unref();
  }

  // `seq` is the WAL record the rows came from.
  add(database: string, rows: WriteRow[], seq: bigint): void {
    if (this.listenerCount('flush') === 0) return;
    if (seq > this.throughSeq) this.throughSeq = seq;
    if (this.collects && !this.collects(database)) return;
    let db = this.pending.get(database);
    if (!db) this.pending.set(database, (db = { tables: new Map(), firstSeq: seq, lastSeq: seq }));
    if (seq > db.lastSeq) db.lastSeq = seq;
    for (const row of rows) {
      let list = db.tables.get(row.table);
      if (!list) db.tables.set(row.table, (list = []));
      list.push(toPluginRow(row));
    }
  }

  flush(): void {
    const throughSeq = this.throughSeq;
    if (this.pending.size === 0) {
      if (throughSeq > this.announcedSeq && this.listenerCount('position') > 0) {
        this.announcedSeq = throughSeq;
        this.emit('position', throughSeq);
      }
      return;
    }
    this.announcedSeq = throughSeq;
    const batches = this.pending;
    this.pending = new Map();
    for (const [database, { tables, firstSeq, lastSeq }] of batches) {
      const event: WalFlushEvent = {
        database,
        tables: [...tables].map(([table_name, rows]) => ({ table_name, rows })),
        firstSeq,
        lastSeq,
        throughSeq,
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
