import { expect } from 'chai';
import { Packr } from 'msgpackr';
import { decodeWalWrite, encodeWalWrite, type WalWrite } from '../../../src/storage/wal/write-record.js';

describe('storage/wal/write-record', () => {
  const write: WalWrite = { database: 'db', body: 'cpu v=1 1', precision: 'ns', defaultTimeNs: 1_700_000_000_000_000_000n, refusedLines: [2, 5] };

  it('round-trips a write', () => {
    expect(decodeWalWrite(encodeWalWrite(write))).to.deep.equal(write);
  });

  it('keeps the persisted keys that existing WAL segments use', () => {
    const raw = new Packr({ useRecords: false, int64AsType: 'bigint' }).unpack(encodeWalWrite(write)) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).to.deep.equal(['body', 'db', 'defaultTimeNs', 'precision', 'refused']);
    const old = new Packr({ useRecords: false }).pack({ db: 'x', body: 'b', precision: 'ms', defaultTimeNs: 5, refused: [] });
    expect(decodeWalWrite(old)).to.deep.equal({ database: 'x', body: 'b', precision: 'ms', defaultTimeNs: 5n, refusedLines: [] });
  });
});
