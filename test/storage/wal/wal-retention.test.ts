import { expect } from 'chai';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WARN, makeTempDir, openWal, payloadFor, removeDir, segmentNames } from './wal-test-helpers.js';
import type { WalRecord } from '../../../src/storage/wal/write-ahead-log.js';

async function all(gen: AsyncIterable<WalRecord>): Promise<bigint[]> {
  const out: bigint[] = [];
  for await (const r of gen) out.push(r.seq);
  return out;
}

describe('storage/wal retention for WAL-trigger cursors', () => {
  let dir: string;
  let umask: number;
  beforeEach(async () => {
    dir = await makeTempDir();
    umask = process.umask(0o022);
  });
  afterEach(async () => {
    process.umask(umask);
    await removeDir(dir);
  });

  // 10 records of 100 bytes, 3 per segment: segments start at 1, 4, 7, 10.
  async function tenRecords() {
    const opened = await openWal(join(dir, 'wal'), { segmentMaxBytes: 3 * (16 + 100) });
    for (let i = 1; i <= 10; i++) await opened.wal.append(payloadFor(i, 100));
    expect(await segmentNames(join(dir, 'wal'))).to.have.length(4);
    return opened;
  }

  it('re-reads a range of records across segments, in order, byte for byte', async () => {
    const { wal } = await tenRecords();
    expect(await all(wal.readRange(2n, 8n))).to.deep.equal([3n, 4n, 5n, 6n, 7n, 8n]);
    expect(await all(wal.readRange(9n, 100n))).to.deep.equal([10n]);
    for await (const r of wal.readRange(4n, 5n)) expect(r.payload.equals(payloadFor(5, 100))).to.equal(true);
    await wal.close();
  });

  it('keeps segments a cursor has not passed, and removes them once it has', async () => {
    const { wal } = await tenRecords();
    expect(await wal.truncateRetaining(9n, 2n, 1 << 30)).to.deep.equal({ removed: 0, dropped: null });
    expect(wal.oldestSeq).to.equal(1n);
    expect(await wal.truncateRetaining(9n, 5n, 1 << 30)).to.deep.equal({ removed: 1, dropped: null });
    expect(wal.oldestSeq).to.equal(4n);
    expect(await wal.truncateRetaining(9n, null, 1 << 30)).to.deep.equal({ removed: 2, dropped: null });
    expect(await segmentNames(join(dir, 'wal'))).to.have.length(1);
    await wal.close();
  });

  it('past the backlog cap drops the oldest applied segments although a cursor needs them, and says how much', async () => {
    const { wal } = await tenRecords();
    const segmentBytes = 3 * (16 + 100);
    const out = await wal.truncateRetaining(9n, 0n, segmentBytes + 1);
    expect(out).to.deep.equal({ removed: 0, dropped: { segments: 2, records: 6, bytes: 2 * segmentBytes, throughSeq: 6n } });
    expect(wal.oldestSeq).to.equal(7n);
    expect(await all(wal.readRange(0n, 10n))).to.deep.equal([7n, 8n, 9n, 10n]);
    await wal.close();
  });

  it('creates its directory 0700 and segments 0600 under umask 022', async () => {
    const { wal, lines } = await tenRecords();
    expect((await stat(join(dir, 'wal'))).mode & 0o777).to.equal(0o700);
    for (const name of await segmentNames(join(dir, 'wal'))) expect((await stat(join(dir, 'wal', name))).mode & 0o777, name).to.equal(0o600);
    expect(lines.filter((l) => l.level >= WARN)).to.deep.equal([]);
    await wal.close();
  });
});
