import { readFile, stat, unlink } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../shared/logger.js';
import {
  WalError,
  walAlreadyOpened,
  walClosed,
  walFailed,
  walInvalidOption,
  walIo,
  walNotOpen,
  walInvalidPayload,
} from './errors.js';
import { encodeRecordHeader, MAX_PAYLOAD_BYTES, RECORD_HEADER_BYTES, scanSegment } from './record-format.js';
import { ensureDirectory, fsyncDirectory, type SegmentFile } from './segment-files.js';
import { SegmentWriter } from './segment-writer.js';
import { replaySegments, type LiveSegment, type ReplayResult, type WalRecord } from './wal-replay.js';

export type { ReplayCorruption, ReplayResult, WalRecord } from './wal-replay.js';

// Big enough that rotation is rare, small enough that truncation frees space promptly.
export const DEFAULT_SEGMENT_MAX_BYTES = 64 * 1024 * 1024;

// Injected by app.ts; `fsync: false` is the server's no_sync mode (acks after write(2) only).
export interface WriteAheadLogOptions {
  dir: string;
  logger: Logger;
  segmentMaxBytes?: number;
  fsync?: boolean;
  // Called after every fdatasync with how many records/bytes it made durable (for metrics).
  onFsync?: (durationMs: number, records: number, bytes: number) => void;
}

// `sync: false` trades durability of this one record for latency; it still lands in order.
export interface AppendOptions {
  sync?: boolean;
}

// What a retaining truncation did: segments removed because nobody needs them any more, and segments removed although
// a WAL trigger's cursor had not passed them (the backlog was over its cap).
export interface TruncateOutcome {
  removed: number;
  dropped: { segments: number; records: number; bytes: number; throughSeq: bigint } | null;
}

interface PendingAppend {
  seq: bigint;
  header: Buffer;
  payload: Buffer;
  sync: boolean;
  resolve: (seq: bigint) => void;
  reject: (err: Error) => void;
}

type State = 'new' | 'opening' | 'open' | 'closed';

// Writes are acknowledged only once durable; group commit makes that cheap under concurrency.
export class WriteAheadLog {
  private readonly dir: string;
  private readonly log: Logger;
  private readonly segmentMaxBytes: number;
  private readonly sync: boolean;
  private readonly onFsync: WriteAheadLogOptions['onFsync'];
  private state: State = 'new';
  private closeRequested = false;
  private failure: WalError | null = null;
  private nextSeq = 1n;
  private queue: PendingAppend[] = [];
  private draining: Promise<void> | null = null;
  private opening: Promise<ReplayResult> | null = null;
  private closing: Promise<void> | null = null;
  private truncation: Promise<unknown> = Promise.resolve();
  private writer: SegmentWriter | null = null;
  // Oldest first; the last one is always the writer's.
  private segments: SegmentFile[] = [];
  private unsyncedRecords = 0;
  private unsyncedBytes = 0;

  constructor(opts: WriteAheadLogOptions) {
    const max = opts.segmentMaxBytes ?? DEFAULT_SEGMENT_MAX_BYTES;
    if (!Number.isSafeInteger(max) || max <= 0) throw walInvalidOption('segmentMaxBytes', opts.segmentMaxBytes);
    this.dir = opts.dir;
    this.log = opts.logger.child({ part: 'wal' });
    this.segmentMaxBytes = max;
    this.sync = opts.fsync ?? true;
    this.onFsync = opts.onFsync;
  }

  // Replays every trusted record (truncating a torn tail) and readies the log for appends.
  open(): Promise<ReplayResult> {
    if (this.closeRequested) return Promise.reject(walClosed(this.dir));
    if (this.state !== 'new') return Promise.reject(walAlreadyOpened(this.dir));
    this.state = 'opening';
    this.opening = this.replayAndStart();
    return this.opening;
  }

  // Resolves with the record's seq once it is on disk (and fdatasynced unless sync: false or fsync: false).
  append(payload: Buffer, opts: AppendOptions = {}): Promise<bigint> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (!(payload instanceof Uint8Array)) return Promise.reject(walInvalidPayload(`expected a Buffer, got ${typeof payload}`));
    if (payload.length > MAX_PAYLOAD_BYTES) {
      return Promise.reject(walInvalidPayload(`${payload.length} bytes exceeds the ${MAX_PAYLOAD_BYTES}-byte limit`));
    }
    const seq = this.nextSeq++;
    const header = encodeRecordHeader(seq, payload);
    return new Promise<bigint>((resolve, reject) => {
      this.queue.push({ seq, header, payload, sync: opts.sync !== false, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  // Drops whole segments once everything in them is safely applied elsewhere; the live segment always stays.
  truncateThrough(seq: bigint): Promise<number> {
    if (this.closeRequested) return Promise.reject(walClosed(this.dir));
    if (this.state !== 'open') return Promise.reject(walNotOpen(this.dir));
    const run = this.truncation.then(() => this.removeSegmentsThrough(seq));
    this.truncation = run.catch(() => undefined);
    return run;
  }

  // Like truncateThrough(appliedSeq), but segments after `retainAfterSeq` (the oldest WAL-trigger cursor) stay; of the
  // applied segments kept only for cursors, the oldest are removed anyway once they total more than `maxRetainedBytes`.
  truncateRetaining(appliedSeq: bigint, retainAfterSeq: bigint | null, maxRetainedBytes: number): Promise<TruncateOutcome> {
    if (this.closeRequested) return Promise.reject(walClosed(this.dir));
    if (this.state !== 'open') return Promise.reject(walNotOpen(this.dir));
    const run = this.truncation.then(async (): Promise<TruncateOutcome> => {
      const limit = retainAfterSeq !== null && retainAfterSeq < appliedSeq ? retainAfterSeq : appliedSeq;
      const removed = await this.removeSegmentsThrough(limit);
      return { removed, dropped: await this.dropBacklogOver(appliedSeq, maxRetainedBytes) };
    });
    this.truncation = run.catch(() => undefined);
    return run;
  }

  // The oldest seq still on disk: records before it were truncated or dropped.
  get oldestSeq(): bigint {
    return this.segments[0]?.firstSeq ?? this.nextSeq;
  }

  // Re-reads the records after `afterSeq` through `throughSeq` from disk, one segment at a time (WAL-trigger replay).
  // A segment removed meanwhile is skipped; a torn tail of the live segment ends its scan (those seqs were never acked).
  async *readRange(afterSeq: bigint, throughSeq: bigint): AsyncGenerator<WalRecord> {
    const segments = [...this.segments];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const next = segments[i + 1];
      if (seg.firstSeq > throughSeq) return;
      if (next && next.firstSeq - 1n <= afterSeq) continue;
      let buf: Buffer;
      try {
        buf = await readFile(seg.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw walIo('read', seg.path, err);
      }
      for (const r of scanSegment(buf, seg.firstSeq).records) {
        if (r.seq > throughSeq) return;
        if (r.seq > afterSeq) yield r;
      }
    }
  }

  // Lets queued appends finish, makes them durable, then releases the file; later appends are refused.
  close(): Promise<void> {
    this.closeRequested = true;
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async replayAndStart(): Promise<ReplayResult> {
    try {
      await ensureDirectory(this.dir, this.sync);
      const { result, segments } = await replaySegments(this.dir, this.log, this.sync);
      this.nextSeq = result.lastSeq + 1n;
      const tail = segments.at(-1);
      this.segments = segments.map((s) => s.file);
      if (tail && result.corruption === null && this.canResume(tail)) {
        this.writer = await SegmentWriter.resume(tail.file, tail.bytes);
      } else {
        this.writer = await SegmentWriter.create(this.dir, this.nextSeq, this.sync);
        this.segments.push(this.writer.file);
      }
      this.state = 'open';
      const { records, lastSeq, truncatedBytes } = result;
      const facts = { records: records.length, lastSeq: lastSeq.toString(), truncatedBytes };
      this.log.info({ dir: this.dir, segments: this.segments.length, ...facts, writing: this.writer.file.name }, 'wal opened');
      return result;
    } catch (err) {
      this.state = 'closed';
      await this.writer?.close().catch(() => undefined);
      this.writer = null;
      throw err instanceof WalError ? err : walIo('open', this.dir, err);
    }
  }

  private canResume(tail: LiveSegment): boolean {
    const next = (tail.lastSeq ?? tail.file.firstSeq - 1n) + 1n;
    return next === this.nextSeq && tail.bytes < this.segmentMaxBytes;
  }

  private refusal(): WalError | null {
    if (this.closeRequested || this.state === 'closed') return walClosed(this.dir);
    if (this.state !== 'open') return walNotOpen(this.dir);
    return this.failure;
  }

  // One group at a time: appends that arrive while a write+fsync is in flight form the next group.
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.failure === null) {
        let group: PendingAppend[] = [];
        try {
          await this.rotateIfFull(this.queue[0]!);
          group = this.takeGroup();
          await this.commit(group);
        } catch (err) {
          this.fail(err, group);
        }
      }
    } finally {
      this.draining = null;
    }
  }

  // Rotation happens only between groups, so a group never spans two files.
  private async rotateIfFull(first: PendingAppend): Promise<void> {
    const w = this.writer!;
    if (w.bytes === 0 || w.bytes + RECORD_HEADER_BYTES + first.payload.length <= this.segmentMaxBytes) return;
    if (this.sync && this.unsyncedRecords > 0) await this.fsyncNow();
    await w.close();
    this.writer = await SegmentWriter.create(this.dir, first.seq, this.sync);
    this.segments.push(this.writer.file);
    this.log.debug({ closed: w.file.name, bytes: w.bytes, opened: this.writer.file.name }, 'wal segment rotated');
  }

  // Takes as many queued appends as fit in the current segment (always at least one).
  private takeGroup(): PendingAppend[] {
    const room = this.segmentMaxBytes - this.writer!.bytes;
    let bytes = 0;
    let n = 0;
    for (const p of this.queue) {
      const size = RECORD_HEADER_BYTES + p.payload.length;
      if (n > 0 && bytes + size > room) break;
      bytes += size;
      n++;
    }
    if (n === this.queue.length) {
      const group = this.queue;
      this.queue = [];
      return group;
    }
    return this.queue.splice(0, n);
  }

  private async commit(group: PendingAppend[]): Promise<void> {
    const buffers: Buffer[] = [];
    let bytes = 0;
    for (const p of group) {
      buffers.push(p.header, p.payload);
      bytes += RECORD_HEADER_BYTES + p.payload.length;
    }
    await this.writer!.writev(buffers, bytes);
    this.unsyncedRecords += group.length;
    this.unsyncedBytes += bytes;
    if (!this.sync) {
      for (const p of group) p.resolve(p.seq);
      return;
    }
    // Acks go out in sequence order (the apply queue relies on it): a no_sync record behind a synced one in the
    // same group waits for the fsync too, or it could be applied first and make the earlier one look applied.
    const durable: PendingAppend[] = [];
    for (const p of group) {
      if (p.sync || durable.length > 0) durable.push(p);
      else p.resolve(p.seq);
    }
    if (durable.length === 0) return;
    await this.fsyncNow();
    for (const p of durable) p.resolve(p.seq);
  }

  private async fsyncNow(): Promise<void> {
    const started = performance.now();
    await this.writer!.datasync();
    const durationMs = performance.now() - started;
    const records = this.unsyncedRecords;
    const bytes = this.unsyncedBytes;
    this.unsyncedRecords = 0;
    this.unsyncedBytes = 0;
    try {
      this.onFsync?.(durationMs, records, bytes);
    } catch (err) {
      this.log.warn({ err }, 'wal onFsync hook threw; ignored');
    }
  }

  // After a failed write or fsync the file's contents are unknown: reject everyone and stop for good.
  private fail(err: unknown, group: PendingAppend[]): void {
    const failure = walFailed(this.dir, err);
    this.failure = failure;
    const queued = this.queue;
    this.queue = [];
    const rejected = [...group, ...queued];
    this.log.error(
      { err, file: this.writer?.file.path, rejected: rejected.length },
      'wal write failed; rejecting the group and refusing further appends',
    );
    for (const p of rejected) p.reject(failure);
  }

  private async removeSegmentsThrough(seq: bigint): Promise<number> {
    const removed: string[] = [];
    while (this.segments.length > 1 && this.segments[1]!.firstSeq - 1n <= seq) {
      const victim = this.segments[0]!;
      try {
        await unlink(victim.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw walIo('truncate', victim.path, err);
      }
      this.segments.shift();
      removed.push(victim.name);
    }
    if (removed.length === 0) return 0;
    if (this.sync) await fsyncDirectory(this.dir).catch((err) => this.log.warn({ err }, 'wal dir fsync failed'));
    this.log.info({ throughSeq: seq.toString(), removed }, `wal truncated ${removed.length} segment(s)`);
    return removed.length;
  }

  // Applied segments still on disk are there only for WAL-trigger cursors: past the cap, the oldest go.
  private async dropBacklogOver(appliedSeq: bigint, maxBytes: number): Promise<TruncateOutcome['dropped']> {
    const kept: Array<{ bytes: number; records: number; lastSeq: bigint }> = [];
    let total = 0;
    for (let i = 0; i + 1 < this.segments.length && this.segments[i + 1]!.firstSeq - 1n <= appliedSeq; i++) {
      const seg = this.segments[i]!;
      const bytes = await stat(seg.path).then((st) => st.size, () => 0);
      const lastSeq = this.segments[i + 1]!.firstSeq - 1n;
      kept.push({ bytes, records: Number(lastSeq - seg.firstSeq + 1n), lastSeq });
      total += bytes;
    }
    let n = 0;
    const dropped = { segments: 0, records: 0, bytes: 0, throughSeq: 0n };
    while (n < kept.length && total > maxBytes) {
      const k = kept[n++]!;
      total -= k.bytes;
      dropped.segments++;
      dropped.records += k.records;
      dropped.bytes += k.bytes;
      dropped.throughSeq = k.lastSeq;
    }
    if (n === 0) return null;
    await this.removeSegmentsThrough(dropped.throughSeq);
    return dropped;
  }

  private async shutdown(): Promise<void> {
    if (this.opening) await this.opening.catch(() => undefined);
    await this.draining;
    await this.truncation;
    const writer = this.writer;
    try {
      if (writer && this.failure === null && this.sync && this.unsyncedRecords > 0) await this.fsyncNow();
    } catch (err) {
      this.failure = walFailed(this.dir, err);
      throw this.failure;
    } finally {
      this.writer = null;
      this.state = 'closed';
      await writer?.close();
      this.log.info({ dir: this.dir, lastSeq: (this.nextSeq - 1n).toString() }, 'wal closed');
    }
  }
}
