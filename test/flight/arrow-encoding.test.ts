import { expect } from 'chai';
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';
import { ArrowEncoder, type ArrowColumn, type IpcMessage } from '../../src/flight/arrow-encoding.js';

// The IPC stream of encoded messages (continuation marker, header length, header, body), read back by apache-arrow.
function readBack(messages: IpcMessage[]): RecordBatch[] {
  const parts: Uint8Array[] = [];
  for (const m of messages) {
    const prefix = Buffer.alloc(8);
    prefix.writeInt32LE(-1, 0);
    prefix.writeInt32LE(m.header.length, 4);
    parts.push(prefix, m.header, m.body);
  }
  return RecordBatchReader.from(Buffer.concat(parts)).readAll();
}

const COLUMNS: ArrowColumn[] = [
  { name: 'host', type: 'Dictionary(Int32, Utf8)' },
  { name: 'time', type: 'Timestamp(Nanosecond, None)' },
  { name: 'f', type: 'Float64' },
  { name: 'i', type: 'Int64' },
  { name: 'u', type: 'UInt64' },
  { name: 'i32', type: 'Int32' },
  { name: 'u8', type: 'UInt8' },
  { name: 'b', type: 'Boolean' },
  { name: 's', type: 'Utf8' },
  { name: 'bin', type: 'Binary' },
];

// Row r: every third row is all nulls (bitmaps over more than one byte, nulls in each column kind).
function row(r: number): unknown[] {
  if (r % 3 === 1) return COLUMNS.map(() => null);
  return [`h${r % 4}`, 1_700_000_000_000_000_000n + BigInt(r), r + 0.5, BigInt(-r), BigInt(r) * 3n, r - 10, r % 256, r % 2 === 0, `s-${r}-é`, Uint8Array.of(r, r + 1)];
}

describe('flight/arrow-encoding: query rows as Arrow IPC', () => {
  it('encodes every column kind with nulls, and apache-arrow reads the same values back', () => {
    const rows = Array.from({ length: 21 }, (_, r) => row(r));
    const encoder = new ArrowEncoder(COLUMNS);
    const [batch] = readBack([encoder.schemaMessage(), ...encoder.batchMessages(rows)]);
    expect(batch!.numRows).to.equal(21);
    for (let r = 0; r < rows.length; r++) {
      const got = COLUMNS.map((c) => batch!.getChild(c.name)!.get(r) as unknown);
      const want = rows[r]!;
      if (r % 3 === 1) {
        expect(got, `row ${r}`).to.deep.equal(COLUMNS.map(() => null));
        continue;
      }
      expect(got[0], `host of row ${r}`).to.equal(want[0]);
      // apache-arrow's get() gives a timestamp in milliseconds: compare the stored nanoseconds.
      expect((batch!.getChild('time')!.data[0]!.values as BigInt64Array)[r], `time of row ${r}`).to.equal(want[1]);
      expect(got[2]).to.equal(want[2]);
      expect(got[3]).to.equal(want[3]);
      expect(got[4]).to.equal(want[4]);
      expect(got[5]).to.equal(want[5]);
      expect(got[6]).to.equal(want[6]);
      expect(got[7]).to.equal(want[7]);
      expect(got[8]).to.equal(want[8]);
      expect(Array.from(got[9] as Uint8Array)).to.deep.equal(Array.from(want[9] as Uint8Array));
    }
    expect(batch!.getChild('f')!.nullCount).to.equal(7);
  });

  it('accepts values of the neighbouring JS types (numbers for 64-bit columns, bigints for floats)', () => {
    const encoder = new ArrowEncoder([
      { name: 'i', type: 'Int64' },
      { name: 'f', type: 'Float64' },
      { name: 'tag', type: 'Dictionary(Int32, Utf8)' },
    ]);
    const [batch] = readBack([encoder.schemaMessage(), ...encoder.batchMessages([[7, 2n, 42]])]);
    expect(batch!.getChild('i')!.get(0)).to.equal(7n);
    expect(batch!.getChild('f')!.get(0)).to.equal(2);
    expect(batch!.getChild('tag')!.get(0)).to.equal('42');
  });

  it('gives each batch its own dictionary', () => {
    const encoder = new ArrowEncoder([{ name: 'host', type: 'Dictionary(Int32, Utf8)' }]);
    const batches = readBack([encoder.schemaMessage(), ...encoder.batchMessages([['a'], ['b']]), ...encoder.batchMessages([['c'], [null], ['c']])]);
    expect(batches.map((b) => [...b.getChild('host')!])).to.deep.equal([
      ['a', 'b'],
      ['c', null, 'c'],
    ]);
  });
});
