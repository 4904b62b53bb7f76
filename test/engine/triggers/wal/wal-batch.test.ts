import { expect } from 'chai';
import { MsgpackCodec, PartedValue, PreEncoded } from '../../../../src/ipc/index.js';
import { WalBatch } from '../../../../src/engine/triggers/wal/wal-batch.js';
import { joinFragments, pluginTableBatches, type WireFragment } from '../../../helpers/table-batches.js';

describe('engine/triggers/wal/wal-batch', () => {
  const flush = {
    database: 'db',
    tables: [
      { table_name: 'cpu', rows: [{ host: 'a', usage: 1.5, time: 100n }] },
      { table_name: 'mem', rows: [{ host: 'b', used: 3, time: 200n }] },
    ],
  };

  it('encodes the flush once and shares the bytes', () => {
    const batch = WalBatch.fromFlush(flush);
    expect(batch.rows).to.equal(2);
    expect(batch.payload).to.equal(batch.payload);
    expect(batch.payload).to.be.instanceOf(PreEncoded);
    const decoded = pluginTableBatches((batch.payload as PreEncoded).bytes);
    expect(decoded.map((t) => t.table_name)).to.deep.equal(['cpu', 'mem']);
  });

  it('gives table: triggers a shared slice of their table, or null when the flush has none', () => {
    const batch = WalBatch.fromFlush(flush);
    const cpu = batch.forTable('cpu')!;
    expect(cpu.tables.map((t) => t.table_name)).to.deep.equal(['cpu']);
    expect(batch.forTable('cpu')).to.equal(cpu);
    expect(batch.forTable('disk')).to.equal(null);
  });

  it('merges two batches table by table in write order', () => {
    const a = WalBatch.fromFlush(flush);
    const b = new WalBatch('db', [{ table_name: 'mem', rows: [{ used: 4, time: 300n }] }, { table_name: 'disk', rows: [{ free: 1, time: 300n }] }]);
    const m = WalBatch.merge(a, b);
    expect(m.rows).to.equal(4);
    expect(m.tables.map((t) => `${t.table_name}:${t.rows.length}`)).to.deep.equal(['cpu:1', 'mem:2', 'disk:1']);
  });

  it('cuts a flush larger than the part size into parts that join back into the same table_batches', () => {
    const rows = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ host: `${tag}${i}`, usage: i + 0.5, time: BigInt(i) }));
    const tables = [
      { table_name: 'cpu', rows: rows(2500, 'a') },
      { table_name: 'empty', rows: [] },
      { table_name: 'mem', rows: rows(1200, 'b') },
    ];
    const batch = new WalBatch('db', tables, 16 * 1024);
    const payload = batch.payload;
    expect(payload).to.be.instanceOf(PartedValue);
    const parts = (payload as PartedValue).parts;
    expect(parts.length).to.be.greaterThan(3);
    const codec = new MsgpackCodec();
    const fragments: WireFragment[] = [];
    for (const part of parts) {
      expect(part.bytes.length).to.be.lessThan(16 * 1024 + 1024);
      fragments.push(...(codec.decode(part.bytes) as WireFragment[]));
    }
    const joined = joinFragments(fragments);
    expect(joined.map((t) => `${t.table_name}:${t.rows.length}`)).to.deep.equal(['cpu:2500', 'empty:0', 'mem:1200']);
    expect(joined[0]!.rows[2499]).to.deep.equal({ host: 'a2499', usage: 2499.5, time: 2499 });
    expect(joined[2]!.rows[0]).to.deep.equal({ host: 'b0', usage: 0.5, time: 0 });
  });
});
