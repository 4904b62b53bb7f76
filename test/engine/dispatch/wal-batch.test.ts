import { expect } from 'chai';
import { MsgpackCodec } from '../../../src/ipc/index.js';
import { WalBatch } from '../../../src/engine/dispatch/wal-batch.js';

describe('engine/dispatch/wal-batch', () => {
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
    const decoded = new MsgpackCodec().decode(batch.payload.bytes) as Array<{ table_name: string; rows: unknown[] }>;
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
});
