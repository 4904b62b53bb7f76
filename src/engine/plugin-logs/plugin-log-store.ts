import { errorMessage } from '../../shared/app-error.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { PluginLogEntry, PluginLogLevel } from './plugin-log-entry.js';
import { encodeLogLine, PluginLogFile } from './plugin-log-file.js';

export type { PluginLogEntry, PluginLogLevel } from './plugin-log-entry.js';

export const DEFAULT_LOG_CAPACITY = 10_000;
const DEFAULT_WRITE_DELAY_MS = 1_000;

// Where and how the log is kept; `dir` null or absent (--object-store memory) keeps it in memory only, as upstream.
export interface PluginLogStoreOptions {
  capacity?: number;
  clock?: Clock;
  // <data-dir>/engine/logs
  dir?: string | null;
  logger?: Logger;
  // New entries reach the file at most this long after they are added (and on stop()).
  writeDelayMs?: number;
}

// Upstream keeps the last 10 000 plugin log events in memory, shared by all databases and lost on restart; this is
// that ring buffer, and with a `dir` it also survives restarts: entries are appended to a JSON-lines file in batches
// (one write + datasync at most every writeDelayMs), the file is compacted to the ring's contents once it holds a
// quarter more lines than the capacity, and start() reloads the newest `capacity` entries. Log lines are not
// acknowledged data: a crash loses at most the last writeDelayMs of them, by design.
export class PluginLogStore {
  readonly capacity: number;
  private readonly clock: Clock;
  private readonly ring: Array<PluginLogEntry | undefined>;
  private next = 0;
  private count = 0;
  private readonly file: PluginLogFile | null;
  // Encoded lines not yet written; dropped in favour of a rewrite from the ring when it outgrows the slack.
  private pending: string[] = [];
  private linesOnDisk = 0;
  private mustRewrite = false;
  private phase: 'idle' | 'open' | 'stopped' = 'idle';
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(private readonly options: PluginLogStoreOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_LOG_CAPACITY;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError(`invalid plugin log capacity ${this.capacity}`);
    this.clock = options.clock ?? systemClock;
    this.ring = new Array(this.capacity);
    this.file = options.dir ? new PluginLogFile(options.dir) : null;
  }

  get persistent(): boolean {
    return this.file !== null;
  }

  get size(): number {
    return this.count;
  }

  // Lines the file may hold beyond the capacity before it is compacted.
  private get slack(): number {
    return Math.ceil(this.capacity / 4);
  }

  // Reloads the newest entries from disk (they come before any added since construction) and starts persisting.
  async start(): Promise<void> {
    if (!this.file || this.phase !== 'idle') return;
    this.writing = this.writing.then(() => this.open(this.file!));
    await this.writing;
  }

  add(database: string, trigger: string, level: PluginLogLevel, text: string): PluginLogEntry {
    const entry: PluginLogEntry = { event_time: this.clock.nowNs(), database, trigger_name: trigger, log_level: level, log_text: text };
    this.push(entry);
    if (this.file && this.phase !== 'stopped') {
      if (this.pending.length < this.capacity + this.slack) this.pending.push(encodeLogLine(entry));
      else this.mustRewrite = true;
      this.schedule();
    }
    return entry;
  }

  // Oldest first; optionally only one database's (and one trigger's) entries.
  entries(filter: { database?: string; trigger?: string } = {}): PluginLogEntry[] {
    const { database, trigger } = filter;
    const out: PluginLogEntry[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(start + i) % this.capacity]!;
      if ((trigger === undefined || e.trigger_name === trigger) && (database === undefined || e.database === database)) out.push(e);
    }
    return out;
  }

  // Empties the log, on disk too once the next write happens.
  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.count = 0;
    if (this.file && this.phase !== 'stopped') {
      this.pending = [];
      this.mustRewrite = true;
      this.schedule();
    }
  }

  // Writes every pending entry now (resolves when the file has them; errors are logged, never thrown).
  async flush(): Promise<void> {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (!this.file) return;
    this.writing = this.writing.then(() => this.write(this.file!));
    await this.writing;
  }

  async stop(): Promise<void> {
    if (!this.file || this.phase === 'stopped') return;
    await this.flush();
    this.phase = 'stopped';
    this.pending = [];
    this.writing = this.writing.then(() => this.file!.close().catch(() => undefined));
    await this.writing;
  }

  private push(entry: PluginLogEntry): void {
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  private schedule(): void {
    if (this.timer || this.phase !== 'open') return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.options.writeDelayMs ?? DEFAULT_WRITE_DELAY_MS);
    this.timer.unref?.();
  }

  private async open(file: PluginLogFile): Promise<void> {
    try {
      const loaded = await file.load(this.capacity);
      if (loaded.skipped > 0) {
        this.options.logger?.warn({ file: file.path, skipped: loaded.skipped }, 'skipping unreadable plugin log lines');
      }
      const added = this.entries();
      this.ring.fill(undefined);
      this.next = 0;
      this.count = 0;
      for (const e of loaded.entries) this.push(e);
      for (const e of added) this.push(e);
      this.linesOnDisk = loaded.lines;
      if (loaded.needsRewrite) this.mustRewrite = true;
    } catch (err) {
      // An unreadable directory must not keep the server down; the log then starts empty and is rewritten.
      this.options.logger?.warn({ dir: file.dir, err: errorMessage(err) }, 'cannot read persisted plugin logs');
      this.mustRewrite = true;
    }
    this.phase = 'open';
    await this.write(file);
  }

  private async write(file: PluginLogFile): Promise<void> {
    if (this.phase !== 'open') return;
    const rewrite = this.mustRewrite || this.linesOnDisk + this.pending.length > this.capacity + this.slack;
    if (!rewrite && this.pending.length === 0) return;
    // Taken synchronously: whatever is added while the write runs goes to the next batch.
    const lines = rewrite ? this.entries().map(encodeLogLine) : this.pending;
    this.pending = [];
    this.mustRewrite = false;
    try {
      if (rewrite) {
        await file.rewrite(lines);
        this.linesOnDisk = lines.length;
      } else {
        await file.append(lines.join(''));
        this.linesOnDisk += lines.length;
      }
      if (this.failing) this.options.logger?.info({ file: file.path }, 'persisting plugin logs again');
      this.failing = false;
    } catch (err) {
      // A half-written batch may have left a torn line: the next write replaces the file from the ring.
      this.mustRewrite = true;
      if (!this.failing) this.options.logger?.warn({ file: file.path, err: errorMessage(err) }, 'cannot persist plugin logs');
      this.failing = true;
    }
  }
}
