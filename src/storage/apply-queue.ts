import type { Logger } from '../shared/logger.js';
import type { WriteRow } from './types.js';

export interface ApplyItem {
  dbName: string;
  rows: WriteRow[];
  seq: bigint;
}

interface Waiter {
  seq: bigint;
  resolve: () => void;
}

// Applies WAL-acknowledged writes to DuckDB in the background, many writes per DuckDB transaction.
// Writers are acknowledged once their WAL record is durable; queries wait for `whenApplied()` so they
// still see every acknowledged write (read-your-writes). Bounded: writers wait when too many rows queue up.
export class ApplyQueue {
  private pending: ApplyItem[] = [];
  private pendingRows = 0;
  private lastPushed = 0n;
  private applied = 0n;
  private running = false;
  private appliedWaiters: Waiter[] = [];
  private spaceWaiters: Array<() => void> = [];
  private wakeLinger: (() => void) | null = null;

  constructor(
    private readonly apply: (items: ApplyItem[]) => Promise<void>,
    private readonly opts: { logger: Logger; maxPendingRows: number; lingerMs?: number; lingerRows?: number },
  ) {}

  // Queues an acknowledged write; resolves at once unless the queue is full.
  async push(item: ApplyItem): Promise<void> {
    this.pending.push(item);
    this.pendingRows += item.rows.length;
    if (item.seq > this.lastPushed) this.lastPushed = item.seq;
    this.kick();
    if (this.pendingRows >= (this.opts.lingerRows ?? 10_000)) this.wake();
    while (this.pendingRows > this.opts.maxPendingRows) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
  }

  // Resolves when everything queued so far is in DuckDB.
  whenApplied(): Promise<void> {
    const target = this.lastPushed;
    if (this.applied >= target) return Promise.resolve();
    const p = new Promise<void>((resolve) => this.appliedWaiters.push({ seq: target, resolve }));
    this.wake();
    return p;
  }

  // Small writes wait a few ms so that many share one DuckDB transaction, unless a query is waiting.
  private async linger(): Promise<void> {
    const lingerMs = this.opts.lingerMs ?? 0;
    if (lingerMs <= 0 || this.appliedWaiters.length > 0 || this.pendingRows >= (this.opts.lingerRows ?? 10_000)) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake(), lingerMs);
      this.wakeLinger = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private wake(): void {
    const w = this.wakeLinger;
    this.wakeLinger = null;
    w?.();
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    let delayMs = 50;
    while (this.pending.length > 0) {
      await this.linger();
      const batch = this.pending;
      this.pending = [];
      try {
        await this.apply(batch);
      } catch (err) {
        this.pending = batch.concat(this.pending);
        // The rows are durable in the WAL; keep retrying (and replay would apply them after a restart).
        this.opts.logger.error({ err, writes: batch.length, retryInMs: delayMs }, 'applying acknowledged writes to DuckDB failed; retrying');
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(delayMs * 2, 5000);
        continue;
      }
      delayMs = 50;
      let maxSeq = this.applied;
      for (const item of batch) {
        this.pendingRows -= item.rows.length;
        if (item.seq > maxSeq) maxSeq = item.seq;
      }
      this.applied = maxSeq;
      this.appliedWaiters = this.appliedWaiters.filter((w) => {
        if (w.seq > this.applied) return true;
        w.resolve();
        return false;
      });
      if (this.pendingRows <= this.opts.maxPendingRows) {
        const waiters = this.spaceWaiters;
        this.spaceWaiters = [];
        for (const w of waiters) w();
      }
    }
    this.running = false;
  }
}
