import { readFileSync } from 'node:fs';
import { errorMessage } from '../../../shared/app-error.js';
import { writeFileDurably } from '../../../shared/durable-file.js';
import type { Logger } from '../../../shared/logger.js';

// How often changed cursors are written at most: a cursor may lag by this much after a crash (at-least-once
// delivery tolerates a lagging cursor: the lag is delivered again), and writes stay off the WAL hot path.
export const DEFAULT_CURSOR_WRITE_INTERVAL_MS = 200;

export interface WalCursorStoreOptions {
  // <data-dir>/engine/wal-cursors.json, or null to keep cursors in memory only (--object-store memory).
  file: string | null;
  logger: Logger;
  writeIntervalMs?: number;
}

interface CursorFile {
  version: 1;
  // trigger id → the WAL seq the trigger completed (decimal string: seqs are u64).
  cursors: Record<string, string>;
}

// The durable WAL cursors of WAL triggers, by trigger id (ids are never reused, so a re-created trigger starts fresh).
// Changes are batched: one write-fsync-rename of a small JSON file at most every `writeIntervalMs`, and on stop.
export class WalCursorStore {
  private cursors: Map<number, bigint> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private readonly intervalMs: number;

  constructor(private readonly opts: WalCursorStoreOptions) {
    this.intervalMs = opts.writeIntervalMs ?? DEFAULT_CURSOR_WRITE_INTERVAL_MS;
  }

  get(triggerId: number): bigint | undefined {
    return this.map().get(triggerId);
  }

  // Records a trigger's new position; written within `writeIntervalMs`.
  set(triggerId: number, seq: bigint): void {
    const map = this.map();
    if (map.get(triggerId) === seq) return;
    map.set(triggerId, seq);
    this.changed();
  }

  remove(triggerId: number): void {
    if (this.map().delete(triggerId)) this.changed();
  }

  // Writes pending changes now (a new trigger's first cursor, clean stop).
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const doc: CursorFile = { version: 1, cursors: Object.fromEntries([...this.map()].map(([id, seq]) => [String(id), seq.toString()])) };
    const run = this.writing.then(() => this.write(doc));
    this.writing = run.catch((err: unknown) => {
      this.dirty = true;
      this.opts.logger.warn({ file: this.opts.file, err: errorMessage(err) }, 'could not write the WAL trigger cursors; retrying with the next change');
    });
    return this.writing;
  }

  async stop(): Promise<void> {
    await this.flush();
  }

  private changed(): void {
    if (!this.opts.file) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  // Loaded on first use, synchronously: storage asks for the retention floor before the engine starts.
  private map(): Map<number, bigint> {
    if (this.cursors) return this.cursors;
    this.cursors = new Map();
    const file = this.opts.file;
    if (!file) return this.cursors;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.logger.warn({ file, err: errorMessage(err) }, 'cannot read the WAL trigger cursors; WAL triggers start from now');
      return this.cursors;
    }
    try {
      const doc = JSON.parse(text) as CursorFile;
      for (const [id, seq] of Object.entries(doc.cursors ?? {})) {
        if (/^\d+$/.test(id) && /^\d+$/.test(seq)) this.cursors.set(Number(id), BigInt(seq));
      }
    } catch (err) {
      this.opts.logger.warn({ file, err: errorMessage(err) }, `WAL trigger cursor file '${file}' is not valid JSON; WAL triggers start from now`);
    }
    return this.cursors;
  }

  private write(doc: CursorFile): Promise<void> {
    return writeFileDurably(this.opts.file!, JSON.stringify(doc));
  }
}
