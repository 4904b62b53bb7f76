import { expect } from 'chai';
import { copyFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WalError } from '../../../src/storage/wal/errors.js';
import { RECORD_HEADER_BYTES } from '../../../src/storage/wal/record-format.js';
import { segmentFileName } from '../../../src/storage/wal/segment-files.js';
import { WriteAheadLog } from '../../../src/storage/wal/write-ahead-log.js';
import { WARN, captureLogger, makeTempDir, openWal, payloadFor, removeDir, segmentNames } from './wal-test-helpers.js';

describe('storage/wal/WriteAheadLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('replays what was appended, byte for byte, with seqs from 1', async () => {
    const { wal, replay } = await openWal(dir);
    expect(replay).to.include({ lastSeq: 0n, truncatedBytes: 0 });
    expect(replay.records).to.deep.equal([]);
    const payloads = [Buffer.alloc(0), payloadFor(1), payloadFor(2, 5000), Buffer.from('last')];
    const seqs: bigint[] = [];
    for (const p of payloads) seqs.push(await wal.append(p));
    expect(seqs).to.deep.equal([1n, 2n, 3n, 4n]);
    await wal.close();

    const again = await openWal(dir);
    expect(again.replay.records.map((r) => r.seq)).to.deep.equal(seqs);
    expect(again.replay.records.map((r) => r.payload)).to.deep.equal(payloads);
    expect(again.replay.lastSeq).to.equal(4n);
    expect(again.replay.truncatedBytes).to.equal(0);
    await again.wal.close();
  });

  it('group-commits concurrent appends into far fewer fsyncs, all acknowledged', async () => {
    const fsyncs: Array<{ records: number; bytes: number }> = [];
    const { wal } = await openWal(dir, { onFsync: (_ms, records, bytes) => fsyncs.push({ records, bytes }) });
    const seqs = await Promise.all(Array.from({ length: 100 }, (_, i) => wal.append(payloadFor(i))));
    expect(seqs).to.deep.equal(Array.from({ length: 100 }, (_, i) => BigInt(i + 1)));
    expect(fsyncs.length).to.be.at.least(1).and.at.most(5);
    expect(fsyncs.reduce((n, f) => n + f.records, 0)).to.equal(100);
    expect(fsyncs.reduce((n, f) => n + f.bytes, 0)).to.equal(100 * (RECORD_HEADER_BYTES + 32));

    // Appenders that each wait for their previous ack still share fsyncs.
    fsyncs.length = 0;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; i < 10; i++) await wal.append(payloadFor(w * 100 + i));
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => worker(w)));
    expect(fsyncs.reduce((n, f) => n + f.records, 0)).to.equal(200);
    expect(fsyncs.length).to.be.below(100);
    await wal.close();
  });

  it('hands out seqs in call order and writes them in that order', async () => {
    const { wal } = await openWal(dir, { segmentMaxBytes: 4096 });
    const bySeq = new Map<bigint, Buffer>();
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; i < 25; i++) {
        const payload = payloadFor(w * 1000 + i, 1 + ((w * 37 + i * 11) % 300));
        const pending = wal.append(payload, { sync: i % 3 !== 0 });
        const seq = await pending;
        expect(bySeq.has(seq)).to.equal(false);
        bySeq.set(seq, payload);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    await wal.close();

    const { wal: again, replay } = await openWal(dir);
    expect(replay.records.map((r) => r.seq)).to.deep.equal(Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
    for (const r of replay.records) expect(r.payload).to.deep.equal(bySeq.get(r.seq));
    await again.close();
  });

  it('rotates segments and truncateThrough removes only fully covered, non-current segments', async () => {
    const recordBytes = RECORD_HEADER_BYTES + 50;
    const { wal } = await openWal(dir, { segmentMaxBytes: recordBytes * 3 });
    for (let i = 1; i <= 20; i++) await wal.append(payloadFor(i, 50));
    const names = await segmentNames(dir);
    expect(names).to.deep.equal([1, 4, 7, 10, 13, 16, 19].map((s) => segmentFileName(BigInt(s))));
    for (const n of names) expect((await stat(join(dir, n))).size).to.be.at.most(recordBytes * 3);

    expect(await wal.truncateThrough(0n)).to.equal(0);
    expect(await wal.truncateThrough(8n)).to.equal(2); // 1..3 and 4..6; 7..9 still holds 9
    expect(await wal.truncateThrough(9n)).to.equal(1);
    expect(await segmentNames(dir)).to.deep.equal([10, 13, 16, 19].map((s) => segmentFileName(BigInt(s))));
    expect(await wal.truncateThrough(1000n)).to.equal(3); // the segment being written stays
    expect(await segmentNames(dir)).to.deep.equal([segmentFileName(19n)]);
    expect(await wal.append(payloadFor(21, 50))).to.equal(21n);
    await wal.close();

    const { wal: again, replay } = await openWal(dir, { segmentMaxBytes: recordBytes * 3 });
    expect(replay.records.map((r) => r.seq)).to.deep.equal([19n, 20n, 21n]);
    expect(await again.append(payloadFor(22, 50))).to.equal(22n);
    await again.close();
  });

  it('keeps seq numbering when every record has been truncated away', async () => {
    const opts = { segmentMaxBytes: (RECORD_HEADER_BYTES + 10) * 2 };
    const first = await openWal(dir, opts);
    for (let i = 1; i <= 6; i++) await first.wal.append(payloadFor(i, 10));
    await first.wal.close();
    const second = await openWal(dir, opts); // last segment is full, so a new empty one is started at 7
    expect(second.replay.lastSeq).to.equal(6n);
    expect(await second.wal.truncateThrough(6n)).to.equal(3);
    await second.wal.close();
    const third = await openWal(dir, opts);
    expect(third.replay.records).to.deep.equal([]);
    expect(third.replay.lastSeq).to.equal(6n);
    expect(await third.wal.append(payloadFor(7, 10))).to.equal(7n);
    await third.wal.close();
  });

  it('recovers from a tail torn at every byte offset of the last record, then keeps appending', async function () {
    this.timeout(60_000);
    const pristine = join(dir, 'pristine');
    const seed = await openWal(pristine);
    const payloads = [payloadFor(1, 40), payloadFor(2, 7), payloadFor(3, 24)];
    for (const p of payloads) await seed.wal.append(p);
    await seed.wal.close();
    const [name] = await segmentNames(pristine);
    const full = (await stat(join(pristine, name!))).size;
    const lastStart = full - (RECORD_HEADER_BYTES + 24);

    for (let keep = lastStart; keep < full; keep++) {
      const caseDir = join(dir, `cut-${keep}`);
      const seg = join(caseDir, name!);
      await openWal(caseDir).then((o) => o.wal.close());
      await copyFile(join(pristine, name!), seg);
      await truncate(seg, keep);

      const { wal, replay, lines } = await openWal(caseDir);
      const cut = keep - lastStart;
      expect(replay.records.map((r) => r.payload), `cut ${cut}`).to.deep.equal(payloads.slice(0, 2));
      expect(replay.truncatedBytes).to.equal(cut);
      expect((await stat(seg)).size).to.equal(lastStart);
      const warns = lines.filter((l) => l.level === WARN);
      if (cut === 0) expect(warns).to.have.length(0);
      else {
        expect(warns).to.have.length(1);
        expect(warns[0]).to.include({ file: seg, offset: lastStart });
        expect(warns[0]!.msg).to.contain(seg).and.contain(`offset ${lastStart}`);
      }
      expect(await wal.append(Buffer.from('after-1'))).to.equal(3n);
      expect(await wal.append(Buffer.from('after-2'))).to.equal(4n);
      await wal.close();

      const again = await openWal(caseDir);
      expect(again.replay.truncatedBytes).to.equal(0);
      expect(again.replay.records.map((r) => r.payload)).to.deep.equal([
        ...payloads.slice(0, 2),
        Buffer.from('after-1'),
        Buffer.from('after-2'),
      ]);
      await again.wal.close();
    }
  });

  it('drops a last record with any flipped byte, with a warning', async function () {
    this.timeout(60_000);
    const pristine = join(dir, 'pristine');
    const seed = await openWal(pristine);
    await seed.wal.append(payloadFor(1, 20));
    await seed.wal.append(payloadFor(2, 20));
    await seed.wal.close();
    const [name] = await segmentNames(pristine);
    const bytes = await readFile(join(pristine, name!));
    const lastStart = bytes.length - (RECORD_HEADER_BYTES + 20);

    for (let at = lastStart; at < bytes.length; at++) {
      const caseDir = join(dir, `flip-${at}`);
      await openWal(caseDir).then((o) => o.wal.close());
      const damaged = Buffer.from(bytes);
      damaged[at] = damaged[at]! ^ 0x10;
      await writeFile(join(caseDir, name!), damaged);

      const { wal, replay, lines } = await openWal(caseDir);
      expect(replay.records.map((r) => r.seq), `flip at ${at}`).to.deep.equal([1n]);
      expect(replay.truncatedBytes).to.equal(RECORD_HEADER_BYTES + 20);
      expect(lines.filter((l) => l.level === WARN)).to.have.length(1);
      expect(await wal.append(Buffer.from('x'))).to.equal(2n);
      await wal.close();
    }
  });

  it('continues seq numbering after close and reopen', async () => {
    const a = await openWal(dir);
    await a.wal.append(payloadFor(1));
    await a.wal.append(payloadFor(2));
    await a.wal.close();
    const b = await openWal(dir);
    expect(b.replay.lastSeq).to.equal(2n);
    expect(await b.wal.append(payloadFor(3))).to.equal(3n);
    await b.wal.close();
    const c = await openWal(dir);
    expect(c.replay.records.map((r) => r.seq)).to.deep.equal([1n, 2n, 3n]);
    expect(await c.wal.append(payloadFor(4))).to.equal(4n);
    await c.wal.close();
  });

  it('acks sync:false appends without an fsync, and close makes them durable', async () => {
    let fsyncs = 0;
    let synced = 0;
    const { wal } = await openWal(dir, {
      onFsync: (_ms, records) => {
        fsyncs++;
        synced += records;
      },
    });
    const seqs = await Promise.all([1, 2, 3].map((i) => wal.append(payloadFor(i), { sync: false })));
    expect(seqs).to.deep.equal([1n, 2n, 3n]);
    expect(fsyncs).to.equal(0);
    await wal.append(payloadFor(4));
    expect(fsyncs).to.equal(1);
    expect(synced).to.equal(4); // the fsync covered the earlier unsynced records too
    await wal.append(payloadFor(5), { sync: false });
    await wal.close();
    expect(fsyncs).to.equal(2);
    const again = await openWal(dir);
    expect(again.replay.records.map((r) => r.seq)).to.deep.equal([1n, 2n, 3n, 4n, 5n]);
    await again.wal.close();
  });

  it('with fsync: false never fsyncs but still replays', async () => {
    let fsyncs = 0;
    const { wal } = await openWal(dir, { fsync: false, onFsync: () => fsyncs++ });
    await Promise.all([1, 2, 3].map((i) => wal.append(payloadFor(i))));
    await wal.close();
    expect(fsyncs).to.equal(0);
    const again = await openWal(dir);
    expect(again.replay.records).to.have.length(3);
    await again.wal.close();
  });

  it('close waits for in-flight appends; appends after close (or before open) reject', async () => {
    const { logger } = captureLogger();
    const unopened = new WriteAheadLog({ dir, logger });
    const early = await unopened.append(Buffer.from('x')).catch((e: unknown) => e);
    expect(early).to.be.instanceOf(WalError).with.property('code', 'wal_not_open');

    const { wal } = await openWal(dir);
    const inFlight = Array.from({ length: 10 }, (_, i) => wal.append(payloadFor(i)));
    const closed = wal.close();
    const late = await wal.append(Buffer.from('late')).catch((e: unknown) => e);
    expect(late).to.be.instanceOf(WalError).with.property('code', 'wal_closed');
    expect(await Promise.all(inFlight)).to.have.length(10);
    await closed;
    await wal.close(); // idempotent
    const after = await wal.truncateThrough(1n).catch((e: unknown) => e);
    expect(after).to.be.instanceOf(WalError).with.property('code', 'wal_closed');
    const again = await openWal(dir);
    expect(again.replay.records).to.have.length(10);
    await again.wal.close();
  });
});
