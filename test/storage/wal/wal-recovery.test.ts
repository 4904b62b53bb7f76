import { expect } from 'chai';
import fc from 'fast-check';
import type { FileHandle } from 'node:fs/promises';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WalError } from '../../../src/storage/wal/errors.js';
import { RECORD_HEADER_BYTES } from '../../../src/storage/wal/record-format.js';
import { segmentFileName } from '../../../src/storage/wal/segment-files.js';
import { ERROR, WARN, makeTempDir, openWal, payloadFor, removeDir, segmentNames } from './wal-test-helpers.js';

describe('storage/wal recovery', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('stops replay at corruption inside a non-last segment, moves the rest aside and never reuses seqs', async () => {
    const opts = { segmentMaxBytes: (RECORD_HEADER_BYTES + 30) * 3 };
    const seed = await openWal(dir, opts);
    for (let i = 1; i <= 9; i++) await seed.wal.append(payloadFor(i, 30));
    await seed.wal.close();
    const names = await segmentNames(dir);
    expect(names).to.deep.equal([1n, 4n, 7n].map(segmentFileName));
    const first = join(dir, names[0]!);
    const bytes = await readFile(first);
    bytes[RECORD_HEADER_BYTES + 30 + RECORD_HEADER_BYTES + 3]! ^= 0xff; // payload of seq 2
    await writeFile(first, bytes);

    const { wal, replay, lines } = await openWal(dir, opts);
    expect(replay.records.map((r) => r.seq)).to.deep.equal([1n]);
    expect(replay.lastSeq).to.equal(9n);
    expect(replay.corruption).to.include({ file: first, offset: RECORD_HEADER_BYTES + 30 });
    expect(replay.corruption!.droppedSegments).to.deep.equal(names.slice(1));
    const errors = lines.filter((l) => l.level === ERROR);
    expect(errors).to.have.length(1);
    expect(errors[0]!.msg).to.contain('replay stopped').and.contain(first);
    const all = await readdir(dir);
    expect(all.filter((n) => n.endsWith('.dropped'))).to.have.length(3);
    expect(await wal.append(payloadFor(10, 30))).to.equal(10n);
    await wal.close();

    const again = await openWal(dir, opts);
    expect(again.replay.records.map((r) => r.seq)).to.deep.equal([1n, 10n]);
    expect(again.replay.corruption).to.equal(null);
    expect(again.lines.filter((l) => l.level >= WARN)).to.have.length(0);
    await again.wal.close();
  });

  it('returns exactly the complete records for any cut point (property)', async function () {
    this.timeout(60_000);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        async (payloads, cutSeed) => {
          const caseDir = join(dir, `p-${run++}`);
          const seed = await openWal(caseDir, { fsync: false });
          for (const p of payloads) await seed.wal.append(Buffer.from(p));
          await seed.wal.close();
          const seg = join(caseDir, segmentFileName(1n));
          const bytes = await readFile(seg);
          const keep = cutSeed % (bytes.length + 1);
          await writeFile(seg, bytes.subarray(0, keep));

          const { wal, replay } = await openWal(caseDir, { fsync: false });
          let end = 0;
          const expected: Buffer[] = [];
          for (const p of payloads) {
            end += RECORD_HEADER_BYTES + p.length;
            if (end <= keep) expected.push(Buffer.from(p));
          }
          expect(replay.records.map((r) => r.payload)).to.deep.equal(expected);
          expect(await wal.append(Buffer.from('next'))).to.equal(BigInt(expected.length + 1));
          await wal.close();
          await removeDir(caseDir);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects the whole group when a write fails and refuses appends afterwards', async () => {
    const { wal, lines } = await openWal(dir);
    expect(await wal.append(payloadFor(1))).to.equal(1n);
    // Pull the fd out from under the writer so the next writev fails with EBADF.
    const inner = wal as unknown as { writer: { handle: FileHandle } };
    await inner.writer.handle.close();
    const group = await Promise.allSettled([2, 3, 4].map((i) => wal.append(payloadFor(i))));
    for (const r of group) {
      expect(r.status).to.equal('rejected');
      expect((r as PromiseRejectedResult).reason).to.be.instanceOf(WalError).with.property('code', 'wal_failed');
    }
    const later = await wal.append(payloadFor(5)).catch((e: unknown) => e);
    expect(later).to.be.instanceOf(WalError).with.property('code', 'wal_failed');
    expect((later as Error).message).to.contain('refuses further appends');
    expect(lines.some((l) => l.level === ERROR)).to.equal(true);
    await wal.close().catch(() => undefined);

    const again = await openWal(dir);
    expect(again.replay.records.map((r) => r.seq)).to.deep.equal([1n]);
    expect(await again.wal.append(payloadFor(2))).to.equal(2n);
    await again.wal.close();
  });

  it('treats a torn tail in the last non-empty segment as a tail even if an empty segment follows', async () => {
    const opts = { segmentMaxBytes: (RECORD_HEADER_BYTES + 10) * 2 };
    const seed = await openWal(dir, opts);
    for (let i = 1; i <= 4; i++) await seed.wal.append(payloadFor(i, 10));
    await seed.wal.close();
    // Simulate a crash right after rotation: segment 3 torn, segment 5 created but empty.
    const tornPath = join(dir, segmentFileName(3n));
    const torn = await readFile(tornPath);
    await writeFile(tornPath, torn.subarray(0, torn.length - 5));
    await writeFile(join(dir, segmentFileName(5n)), Buffer.alloc(0));

    const { wal, replay, lines } = await openWal(dir, opts);
    expect(replay.records.map((r) => r.seq)).to.deep.equal([1n, 2n, 3n]);
    expect(replay.lastSeq).to.equal(4n);
    expect(lines.filter((l) => l.level === WARN)).to.have.length(1);
    expect(lines.filter((l) => l.level === ERROR)).to.have.length(0);
    expect(await wal.append(payloadFor(5, 10))).to.equal(5n);
    await wal.close();
    const again = await openWal(dir, opts);
    expect(again.replay.records.map((r) => r.seq)).to.deep.equal([1n, 2n, 3n, 5n]);
    await again.wal.close();
  });
  it('a rejected bad payload does not burn a seq', async () => {
    const { wal } = await openWal(dir);
    const bad = await wal.append('not a buffer' as unknown as Buffer).catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(WalError).with.property('code', 'wal_invalid_payload');
    expect(await wal.append(payloadFor(1))).to.equal(1n);
    await wal.close();
    const again = await openWal(dir);
    expect(again.replay.records.map((r) => r.seq)).to.deep.equal([1n]);
    expect(again.lines.filter((l) => l.level >= WARN)).to.have.length(0);
    await again.wal.close();
  });

  it('gives a record larger than segmentMaxBytes a segment of its own and splits big groups', async () => {
    const opts = { segmentMaxBytes: 100 };
    const { wal } = await openWal(dir, opts);
    const sizes = [10, 500, 10, 10, 10, 10];
    await Promise.all(sizes.map((n, i) => wal.append(payloadFor(i, n))));
    await wal.close();
    // 26 + 516 + 26*3 would overflow; rotation happens before a group would push a segment past 100 bytes.
    expect(await segmentNames(dir)).to.deep.equal([1n, 2n, 3n, 6n].map(segmentFileName));
    const again = await openWal(dir, opts);
    expect(again.replay.records.map((r) => r.payload.length)).to.deep.equal(sizes);
    await again.wal.close();
  });
});
