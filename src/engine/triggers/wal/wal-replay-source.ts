import type { StorageEngine } from '../../../storage/storage-engine.js';
import { toPluginRow } from '../../../storage/flush-buffer.js';
import type { TableBatch } from '../../../storage/types.js';
import type { WalEvent } from '../trigger-runtime.js';
import { WalBatch } from './wal-batch.js';
import type { TriggerSpec } from '../trigger-spec.js';

// Rows per replayed batch: small enough to keep memory low, big enough that a long backlog is few calls.
export const REPLAY_BATCH_ROWS = 10_000;

// The acknowledged writes a WAL trigger has not completed (after its cursor, up to the start boundary), re-read from
// the WAL and cut into batches as live flushes would be: only its database, only its table for `table:` triggers.
export async function* walReplaySource(
  storage: Pick<StorageEngine, 'readWal'>,
  database: string,
  spec: Extract<TriggerSpec, { kind: 'wal' }>,
  afterSeq: bigint,
  throughSeq: bigint,
  batchRows = REPLAY_BATCH_ROWS,
): AsyncGenerator<WalEvent> {
  let tables = new Map<string, TableBatch['rows']>();
  let rows = 0;
  let firstSeq: bigint | null = null;
  let lastRead = afterSeq;
  const cut = (): WalEvent => {
    const batch = new WalBatch(database, [...tables].map(([table_name, list]) => ({ table_name, rows: list })));
    const event: WalEvent = { kind: 'wal', batch, firstSeq: firstSeq!, throughSeq: lastRead };
    tables = new Map();
    rows = 0;
    firstSeq = null;
    return event;
  };
  for await (const write of storage.readWal(afterSeq, throughSeq)) {
    lastRead = write.seq;
    if (write.database !== database) continue;
    for (const row of write.rows) {
      if (spec.form === 'table' && row.table !== spec.table) continue;
      let list = tables.get(row.table);
      if (!list) tables.set(row.table, (list = []));
      list.push(toPluginRow(row));
      rows++;
      firstSeq ??= write.seq;
    }
    if (rows >= batchRows) yield cut();
  }
  if (rows > 0) yield cut();
}
