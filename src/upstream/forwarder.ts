import { AppError, errorMessage } from '../shared/app-error.js';
import type { Logger } from '../shared/logger.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { Progress } from '../shared/progress.js';
import type { AcknowledgedWrite, WriteGateway } from '../storage/write-gateway.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import { ForwardBatch, type ForwardRecord } from './forward-batch.js';
import type { ForwardCursor } from './forward-cursor.js';
import type { UpstreamLink } from './upstream-link.js';
import { UpstreamWriter } from './upstream-writer.js';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 15_000;
// Acknowledged writes kept in memory for forwarding (WAL payload bytes): the rows are in memory anyway right after
// the ack; a backlog beyond this is re-read from the WAL.
const TAIL_MAX_BYTES = 4 * 1024 * 1024;
// A backlog of at least this many writes is drained with progress lines (and always one after an outage).
const DRAIN_REPORT_RECORDS = 1000;

export type ForwardState = 'waiting_for_upstream' | 'idle' | 'forwarding' | 'retrying' | 'stopped';

// What a refused write's Retry-After says: the backlog drains in batches, so a few seconds frees room.
const BACKLOG_RETRY_AFTER_S = 5;

// A process node refuses writes while its backlog is over --upstream-max-backlog.
export class UpstreamBacklogFullError extends AppError {
  constructor(message: string) {
    super('upstream_backlog_full', message, { status: 503, expose: true, retryAfterSeconds: BACKLOG_RETRY_AFTER_S });
  }
}

// What system.upstream_forwarding and the metrics show.
export interface ForwardStatus {
  upstreamUrl: string;
  writeApi: string | null;
  state: ForwardState;
  ackedSeq: bigint;
  forwardedSeq: bigint;
  backlogBytes: number;
  backlogRecords: number;
  oldestUnforwardedNs: bigint | null;
  forwardedRecords: number;
  forwardedLines: number;
  refusedRecords: number;
  refusedLines: number;
  lastError: string | null;
  lastErrorTimeNs: bigint | null;
}

export interface ForwarderOptions {
  link: UpstreamLink;
  storage: Pick<StorageEngine, 'readWal' | 'walSizeAfter' | 'lastAckedSeq' | 'walOldestSeq'>;
  cursor: ForwardCursor;
  maxBacklogBytes: number;
  logger: Logger;
  clock?: Clock;
}

// A process node's write gateway: forwards every acknowledged WAL record to the upstream, in seq order, at least
// once (a durable cursor; retries with capped backoff), and refuses writes while the backlog is over its bound.
export class Forwarder implements WriteGateway {
  private readonly writer: UpstreamWriter;
  private readonly clock: Clock;
  private tail: ForwardRecord[] = [];
  private tailBytes = 0;
  private backlogBytes = 0;
  private headAckNs: bigint | null = null;
  private state: ForwardState = 'waiting_for_upstream';
  private counts = { forwardedRecords: 0, forwardedLines: 0, refusedRecords: 0, refusedLines: 0 };
  private lastError: { message: string; timeNs: bigint } | null = null;
  private stopped = false;
  // Ends the idle wait (a new ack, stop) and the backoff wait (stop only).
  private wakeUp: (() => void) | null = null;
  private wakeBackoff: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private profileKnown: Promise<unknown> | null = null;
  // Set while the upstream could not take writes (or at start with a backlog): the next pass reports its drain.
  private recovering = false;
  // The drain of a backlog in progress: forwarded writes and bytes, the rate and the time left, logged every 2 s.
  private drain: Progress | null = null;

  constructor(private readonly opts: ForwarderOptions) {
    this.writer = new UpstreamWriter(opts.link.http, opts.link.config.org);
    this.clock = opts.clock ?? systemClock;
  }

  // After storage started (its WAL replayed), before anything writes: the backlog left by the last run.
  async start(): Promise<void> {
    const { storage, cursor, logger } = this.opts;
    const oldest = storage.walOldestSeq;
    if (oldest !== null && oldest > cursor.position + 1n && storage.lastAckedSeq > cursor.position) {
      logger.warn({ forwardedSeq: cursor.position.toString(), oldestWalSeq: oldest.toString() }, `WAL records ${cursor.position + 1n} to ${oldest - 1n} are no longer in the WAL and cannot be forwarded`);
      cursor.set(oldest - 1n);
    }
    const size = await storage.walSizeAfter(cursor.position);
    this.backlogBytes = size.bytes;
    for await (const w of storage.readWal(cursor.position, cursor.position + 1n)) this.headAckNs = w.ackTimeNs;
    if (size.records > 0) {
      logger.info({ records: size.records, bytes: size.bytes, afterSeq: cursor.position.toString() }, 'forwarding the backlog left by the last run');
      this.recovering = true;
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.wake();
    // An in-flight request ends when the link closes its connections; the cursor is written either way.
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.opts.cursor.flush();
  }

  admit(database: string): void {
    const max = this.opts.maxBacklogBytes;
    if (this.backlogBytes < max) return;
    const s = this.status();
    const ageS = s.oldestUnforwardedNs === null ? null : Number(this.clock.nowNs() - s.oldestUnforwardedNs) / 1e9;
    throw new UpstreamBacklogFullError(
      `write to '${database}' refused: this process node has ${s.backlogBytes} bytes (${s.backlogRecords} writes${ageS === null ? '' : `, the oldest ${ageS.toFixed(0)} s old`}) ` +
        `not yet forwarded to the upstream InfluxDB at ${this.opts.link.config.url}, over --upstream-max-backlog (${max} bytes)` +
        `${this.lastError ? `; the upstream's last error: ${this.lastError.message}` : ''}; retry later`,
    );
  }

  acknowledged(w: AcknowledgedWrite): void {
    if (this.opts.cursor.position >= w.seq - 1n) this.headAckNs = w.ackTimeNs;
    this.backlogBytes += w.bytes;
    const last = this.tail.at(-1);
    if (last && last.seq + 1n !== w.seq) this.dropTail(this.tail.length);
    this.tail.push(w);
    this.tailBytes += w.bytes;
    // Over the cap, the oldest half goes at once (the WAL has it), so trimming stays cheap per write.
    if (this.tailBytes > TAIL_MAX_BYTES) {
      let n = 0;
      let bytes = this.tailBytes;
      while (bytes > TAIL_MAX_BYTES / 2 && n < this.tail.length - 1) bytes -= this.tail[n++]!.bytes;
      this.dropTail(n);
    }
    this.wake();
  }

  // Until the upstream's profile is known, rows are kept locally (the safe side); then only if it cannot answer SQL.
  keepsTableData(): boolean {
    return this.opts.link.current?.answersSql !== true;
  }

  // The durable position: records forwarded but not yet recorded on disk stay in the WAL (a restart re-sends them).
  forwardedSeq(): bigint {
    return this.opts.cursor.durable;
  }

  status(): ForwardStatus {
    const acked = this.opts.storage.lastAckedSeq;
    const forwarded = this.opts.cursor.position;
    const records = acked > forwarded ? Number(acked - forwarded) : 0;
    return {
      upstreamUrl: this.opts.link.config.url,
      writeApi: this.opts.link.current?.writeApi ?? null,
      state: this.state,
      ackedSeq: acked,
      forwardedSeq: forwarded,
      backlogBytes: records === 0 ? 0 : this.backlogBytes,
      backlogRecords: records,
      oldestUnforwardedNs: records === 0 ? null : this.headAckNs,
      ...this.counts,
      lastError: this.lastError?.message ?? null,
      lastErrorTimeNs: this.lastError?.timeNs ?? null,
    };
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
    if (this.stopped) this.wakeBackoff?.();
  }

  // Until a new ack (or stop).
  private idle(): Promise<void> {
    return new Promise((resolve) => (this.wakeUp = resolve));
  }

  // A retry's wait: new acks do not cut it short.
  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeBackoff?.(), ms);
      this.wakeBackoff = () => {
        this.wakeBackoff = null;
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private dropTail(n: number): void {
    for (let i = 0; i < n; i++) this.tailBytes -= this.tail[i]!.bytes;
    this.tail.splice(0, n);
  }

  private async run(): Promise<void> {
    const { link, storage, cursor, logger } = this.opts;
    while (!this.stopped) {
      if (!link.current) {
        this.state = 'waiting_for_upstream';
        this.recovering = true;
        this.profileKnown ??= link.profile().catch(() => undefined);
        await Promise.race([this.profileKnown, this.idle()]);
        continue;
      }
      const acked = storage.lastAckedSeq;
      const from = cursor.position;
      let n = 0;
      while (n < this.tail.length && this.tail[n]!.seq <= from) n++;
      this.dropTail(n);
      if (from >= acked) {
        if (this.drain) {
          logger.info({ upstream: link.config.url, ...this.drain.done() }, 'upstream backlog drained');
          this.drain = null;
        }
        this.recovering = false;
        this.state = 'idle';
        this.headAckNs = null;
        this.backlogBytes = 0;
        await this.idle();
        continue;
      }
      if (this.state !== 'retrying') this.state = 'forwarding';
      const records = Number(acked - from);
      if (!this.drain && (this.recovering || records >= DRAIN_REPORT_RECORDS)) {
        logger.info({ upstream: link.config.url, records, bytes: this.backlogBytes }, 'draining the backlog to the upstream');
        this.drain = new Progress('upstream backlog drain', { items: records, bytes: this.backlogBytes }, logger);
      }
      this.recovering = false;
      try {
        // From memory when the tail starts right after the cursor, else re-read from the WAL up to the tail.
        if (this.tail[0]?.seq === from + 1n) {
          await this.forward(this.tail.slice());
          continue;
        }
        const through = this.tail[0] ? this.tail[0].seq - 1n : acked;
        if ((await this.forward(storage.readWal(from, through))) === 0 && !this.stopped) {
          // Only a WAL that lost records gets here (no WAL at all: --object-store memory); never spin on the gap.
          logger.error({ afterSeq: from.toString(), throughSeq: through.toString() }, `WAL records ${from + 1n} to ${through} cannot be read and are not forwarded`);
          cursor.set(through);
        }
      } catch (err) {
        if (this.stopped) return;
        logger.error({ err: errorMessage(err), afterSeq: from.toString() }, 'forwarding failed; retrying');
        await this.backoff(RETRY_MAX_MS);
      }
    }
  }

  // Sends the records in batches of one database each, advancing the cursor after each batch; returns how many
  // records the source gave.
  private async forward(source: AsyncIterable<ForwardRecord> | ForwardRecord[]): Promise<number> {
    let batch: ForwardBatch | null = null;
    let seen = 0;
    for await (const rec of source) {
      if (this.stopped) return seen;
      seen++;
      if (rec.seq <= this.opts.cursor.position) continue;
      if (batch && batch.database !== rec.database) {
        await this.send(batch);
        batch = null;
      }
      if (!batch) {
        batch = new ForwardBatch(rec.database);
        // The batch's first record is the oldest not yet forwarded.
        this.headAckNs = rec.ackTimeNs;
      }
      batch.add(rec);
      if (batch.full) {
        await this.send(batch);
        batch = null;
      }
    }
    if (batch && !this.stopped) await this.send(batch);
    return seen;
  }

  private async send(batch: ForwardBatch): Promise<void> {
    const { link, logger } = this.opts;
    const remote = link.remoteDatabase(batch.database);
    const range = { database: batch.database, upstreamDatabase: remote, firstSeq: batch.firstSeq.toString(), lastSeq: batch.lastSeq.toString() };
    let refusedLines = batch.unserializable.length;
    if (refusedLines > 0) logger.error({ ...range, reasons: batch.unserializable.slice(0, 3) }, `${refusedLines} row(s) cannot be written as line protocol and are not forwarded`);
    for (const body of batch.bodies()) {
      let delayMs = RETRY_MIN_MS;
      for (;;) {
        if (this.stopped) return;
        const profile = await link.profile();
        const outcome = await this.writer.send(profile, remote, body);
        if (outcome.kind === 'stored') break;
        if (outcome.kind === 'refused') {
          const lines = body.split('\n').length;
          refusedLines += lines;
          this.noteError(outcome.message);
          logger.error(
            { ...range, lines, status: outcome.status, upstream: link.config.url },
            `the upstream refused forwarded writes (seq ${batch.firstSeq} to ${batch.lastSeq}) for good: ${outcome.message}; they are not retried`,
          );
          break;
        }
        if (this.state !== 'retrying' || this.lastError?.message !== outcome.message) {
          logger.warn({ ...range, upstream: link.config.url, retryInMs: delayMs }, `forwarding to the upstream failed: ${outcome.message}; retrying until it answers`);
        }
        this.state = 'retrying';
        this.recovering = true;
        this.noteError(outcome.message);
        await this.backoff(delayMs);
        delayMs = Math.min(delayMs * 2, RETRY_MAX_MS);
      }
      if (this.state === 'retrying') logger.info({ upstream: link.config.url, ...range }, 'the upstream takes forwarded writes again');
      this.state = 'forwarding';
    }
    this.opts.cursor.set(batch.lastSeq);
    this.backlogBytes = Math.max(0, this.backlogBytes - batch.walBytes);
    const next = this.tail.find((r) => r.seq > batch.lastSeq);
    this.headAckNs = next && next.seq === batch.lastSeq + 1n ? next.ackTimeNs : this.headAckNs;
    if (refusedLines > 0) {
      this.counts.refusedRecords += batch.records;
      this.counts.refusedLines += refusedLines;
    }
    this.counts.forwardedRecords += batch.records;
    this.counts.forwardedLines += batch.lines.length - Math.min(refusedLines, batch.lines.length);
    this.drain?.add(batch.records, batch.walBytes, batch.lines.length);
  }

  private noteError(message: string): void {
    this.lastError = { message, timeNs: this.clock.nowNs() };
  }
}
