import { readFileSync } from 'node:fs';
import { errorMessage } from '../shared/app-error.js';
import { writeFileDurably } from '../shared/durable-file.js';
import type { Logger } from '../shared/logger.js';

// How often a moved cursor is written at most: after a crash the node re-sends what it forwarded in this window,
// which lands on the same points upstream (a repeat overwrites), and the forwarding loop never waits on an fsync.
export const DEFAULT_FORWARD_CURSOR_WRITE_INTERVAL_MS = 200;

interface CursorFile {
  version: 1;
  // The WAL seq forwarded through (decimal string: seqs are u64).
  forwardedSeq: string;
}

// A process node's durable forward position: every WAL record at or below it reached the upstream (or was refused
// by it for good). Written by write-fsync-rename of a small JSON file, batched; read once, synchronously, because
// storage asks for it at its first checkpoint.
export class ForwardCursor {
  private seq: bigint;
  private written: bigint;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  // `file` is <data-dir>/upstream/forward-cursor.json, or null to keep the cursor in memory only.
  constructor(private readonly file: string | null, private readonly logger: Logger, private readonly intervalMs = DEFAULT_FORWARD_CURSOR_WRITE_INTERVAL_MS) {
    this.seq = this.load();
    this.written = this.seq;
  }

  get position(): bigint {
    return this.seq;
  }

  // The position as the file on disk has it (what a restart resumes after): the WAL is kept after this one.
  get durable(): bigint {
    return this.file ? this.written : this.seq;
  }

  // Records the new position; written within the interval.
  set(seq: bigint): void {
    if (seq <= this.seq) return;
    this.seq = seq;
    if (!this.file) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  // Writes a pending change now (stop).
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const doc: CursorFile = { version: 1, forwardedSeq: this.seq.toString() };
    const seq = this.seq;
    this.writing = this.writing
      .then(() => this.write(doc))
      .then(() => {
        if (seq > this.written) this.written = seq;
      })
      .catch((err: unknown) => {
        this.dirty = true;
        this.logger.warn({ file: this.file, err: errorMessage(err) }, 'could not write the forward cursor; retrying with the next change');
      });
    return this.writing;
  }

  private load(): bigint {
    if (!this.file) return 0n;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn({ file: this.file, err: errorMessage(err) }, 'cannot read the forward cursor; forwarding starts at the oldest WAL record');
      return 0n;
    }
    try {
      const doc = JSON.parse(text) as Partial<CursorFile>;
      if (typeof doc.forwardedSeq === 'string' && /^\d+$/.test(doc.forwardedSeq)) return BigInt(doc.forwardedSeq);
    } catch {
      // reported below
    }
    this.logger.warn({ file: this.file }, `forward cursor file '${this.file}' is not valid; forwarding starts at the oldest WAL record`);
    return 0n;
  }

  private write(doc: CursorFile): Promise<void> {
    return writeFileDurably(this.file!, JSON.stringify(doc));
  }
}
