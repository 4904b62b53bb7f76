import { expect } from 'chai';
import { ForwardBatch, MAX_REQUEST_LINES } from '../../src/upstream/forward-batch.js';
import type { WriteRow } from '../../src/storage/types.js';

const row = (i: number): WriteRow => ({
  table: 'm e,a',
  tags: [['t k', 'v=1,x']],
  fields: [
    { key: 'i', type: 'int64', value: BigInt(i) },
    { key: 'u', type: 'uint64', value: 7n },
    { key: 'f', type: 'float64', value: 1.5 },
    { key: 's', type: 'utf8', value: 'say "hi"\\' },
    { key: 'b', type: 'bool', value: true },
  ],
  time: 1_700_000_000_000_000_000n + BigInt(i),
});

describe('upstream/forward-batch: WAL records as line protocol', () => {
  it('escapes names, types values and always writes the nanosecond time', () => {
    const b = new ForwardBatch('db');
    b.add({ seq: 4n, database: 'db', rows: [row(1)], bytes: 10, ackTimeNs: 5n });
    expect(b.bodies()).to.deep.equal(['m\\ e\\,a,t\\ k=v\\=1\\,x i=1i,u=7u,f=1.5,s="say \\"hi\\"\\\\",b=true 1700000000000000001']);
    expect([b.firstSeq, b.lastSeq, b.records, b.walBytes]).to.deep.equal([4n, 4n, 1, 10]);
  });

  it('splits a big write into requests of at most MAX_REQUEST_LINES lines', () => {
    const b = new ForwardBatch('db');
    b.add({ seq: 1n, database: 'db', rows: Array.from({ length: MAX_REQUEST_LINES + 5 }, (_, i) => row(i)), bytes: 1, ackTimeNs: 0n });
    expect(b.full).to.equal(true);
    const bodies = b.bodies();
    expect(bodies.map((x) => x.split('\n').length)).to.deep.equal([MAX_REQUEST_LINES, 5]);
  });
});
