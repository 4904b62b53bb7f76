import { expect } from 'chai';
import type { WalReplayWrite } from '../../../../src/storage/storage-engine.js';
import type { WriteRow } from '../../../../src/storage/types.js';
import { walReplaySource } from '../../../../src/engine/triggers/wal/wal-replay-source.js';
import { parseTriggerSpec } from '../../../../src/engine/triggers/trigger-spec.js';
import type { WalEvent } from '../../../../src/engine/triggers/trigger-runtime.js';

const row = (table: string, v: number): WriteRow => ({ table, tags: [], fields: [{ key: 'v', type: 'float64', value: v }], time: BigInt(v) });

// A WAL of writes 1..n as readWal would give them: seq i writes row v=i to `db`/`table` from `layout`.
function fakeStorage(layout: Array<[string, string]>) {
  const writes: WalReplayWrite[] = layout.map(([database, table], i) => ({ seq: BigInt(i + 1), database, rows: [row(table, i + 1)], bytes: 16, ackTimeNs: 0n }));
  return {
    reads: [] as Array<[bigint, bigint]>,
    async *readWal(after: bigint, through: bigint): AsyncGenerator<WalReplayWrite> {
      this.reads.push([after, through]);
      for (const w of writes) if (w.seq > after && w.seq <= through) yield w;
    },
  };
}

async function collect(source: AsyncIterable<WalEvent>) {
  const out = [];
  for await (const e of source) out.push({ firstSeq: e.firstSeq, throughSeq: e.throughSeq, tables: e.batch.tables.map((t) => [t.table_name, t.rows.map((r) => r.v)]) });
  return out;
}

describe('engine/triggers/wal-replay-source', () => {
  const layout: Array<[string, string]> = [['a', 'cpu'], ['b', 'cpu'], ['a', 'mem'], ['a', 'cpu'], ['b', 'mem'], ['a', 'cpu']];

  it('re-reads only the range after the cursor, only the trigger\'s database, cut into batches of at most N rows', async () => {
    const storage = fakeStorage(layout);
    const events = await collect(walReplaySource(storage, 'a', parseTriggerSpec('all_tables') as never, 1n, 6n, 2));
    expect(storage.reads).to.deep.equal([[1n, 6n]]);
    expect(events).to.deep.equal([
      { firstSeq: 3n, throughSeq: 4n, tables: [['mem', [3]], ['cpu', [4]]] },
      { firstSeq: 6n, throughSeq: 6n, tables: [['cpu', [6]]] },
    ]);
  });

  it('gives a table: trigger only its table, and nothing when the range has none of it', async () => {
    const events = await collect(walReplaySource(fakeStorage(layout), 'a', parseTriggerSpec('table:cpu') as never, 0n, 6n));
    expect(events).to.deep.equal([{ firstSeq: 1n, throughSeq: 6n, tables: [['cpu', [1, 4, 6]]] }]);
    expect(await collect(walReplaySource(fakeStorage(layout), 'a', parseTriggerSpec('table:disk') as never, 0n, 6n))).to.deep.equal([]);
  });
});
