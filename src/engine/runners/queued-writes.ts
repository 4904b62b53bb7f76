import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Staged bytes kept in memory per call before they spill to a temporary file.
export const STAGING_MEMORY_BYTES = 16 * 1024 * 1024;
// Staged lines are handed out as bodies of about this size (whole lines), so one write never parses much at once.
export const APPLY_BODY_BYTES = 1024 * 1024;

type Piece = { kind: 'memory'; bytes: Buffer } | { kind: 'file'; offset: number; length: number };

export interface QueuedWritesOptions {
  memoryBytes?: number;
  // Where the spill file goes (a fresh directory under it); the OS temp directory by default.
  spillDir?: string;
}

// A call's queued `write()` lines on the host: chunks the child streams while the call
// runs, then the remainder in the call's result, per database in call order. They are applied only after the call
// succeeded (as upstream), so they are staged meanwhile: in memory up to `memoryBytes`, then in a temporary file,
// which keeps the server's memory bounded whatever a plugin writes. Every chunk is whole lines.
export class QueuedWrites {
  private readonly pieces = new Map<string, Piece[]>();
  private readonly memoryBytes: number;
  private memoryUsed = 0;
  private file: { dir: string; handle: FileHandle; size: number } | null = null;
  private tail: Promise<void> = Promise.resolve();
  private discarded = false;
  // Lines and bytes staged so far (metrics, tests).
  bytes = 0;

  constructor(private readonly options: QueuedWritesOptions = {}) {
    this.memoryBytes = options.memoryBytes ?? STAGING_MEMORY_BYTES;
  }

  // The calls's result without streamed chunks: `{db: [line, …]}` as protocol version 1 sent it.
  static fromRecord(writes: Record<string, string[]>): QueuedWrites {
    const queued = new QueuedWrites();
    queued.addRemainder(writes);
    return queued;
  }

  // Databases in the order the call first wrote to them.
  get databases(): string[] {
    return [...this.pieces.keys()];
  }

  get spilled(): boolean {
    return this.file !== null;
  }

  // Stages one chunk of newline-joined lines (the bytes may be a view of a frame: they are copied or written out).
  stage(database: string, bytes: Uint8Array): Promise<void> {
    const run = this.tail.then(() => this.stageNow(database, bytes));
    this.tail = run.catch(() => undefined);
    return run;
  }

  // The lines the call's result still carried, after its streamed chunks.
  addRemainder(writes: Record<string, string[]>): void {
    for (const [database, lines] of Object.entries(writes)) {
      if (!Array.isArray(lines) || lines.length === 0) continue;
      const bytes = Buffer.from(lines.join('\n'), 'utf8');
      this.bytes += bytes.length;
      this.list(database).push({ kind: 'memory', bytes });
    }
  }

  // One database's lines as line-protocol bodies of about `bodyBytes` each (whole lines), in call order; read back
  // from the spill file one piece at a time. A database with at most `bodyBytes` of lines is one body.
  async *bodies(database: string, bodyBytes = APPLY_BODY_BYTES): AsyncGenerator<string> {
    await this.tail;
    const pieces = this.pieces.get(database) ?? [];
    const total = pieces.reduce((n, p) => n + (p.kind === 'memory' ? p.bytes.length + 1 : p.length + 1), 0);
    if (total <= bodyBytes + 1) {
      const all: string[] = [];
      for (const piece of pieces) all.push((await this.read(piece)).toString('utf8'));
      if (all.length > 0) yield all.join('\n');
      return;
    }
    for (const piece of pieces) {
      const bytes = await this.read(piece);
      for (let start = 0; start < bytes.length; ) {
        let end = start + bodyBytes >= bytes.length ? bytes.length : bytes.indexOf(0x0a, start + bodyBytes);
        if (end < 0) end = bytes.length;
        yield bytes.toString('utf8', start, end);
        start = end + 1;
      }
    }
  }

  private async read(piece: Piece): Promise<Buffer> {
    if (piece.kind === 'memory') return piece.bytes;
    const buf = Buffer.allocUnsafe(piece.length);
    const { bytesRead } = await this.file!.handle.read(buf, 0, piece.length, piece.offset);
    if (bytesRead !== piece.length) throw new Error(`staged writes truncated: read ${bytesRead} of ${piece.length} bytes`);
    return buf;
  }

  // Everything as `{db: [line, …]}` (dry runs return the lines to the caller anyway).
  async toRecord(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const database of this.databases) {
      const lines: string[] = (out[database] = []);
      for await (const body of this.bodies(database)) lines.push(...body.split('\n'));
    }
    return out;
  }

  // Frees the staging (the call failed, or its writes were applied); later chunks are ignored.
  async discard(): Promise<void> {
    this.discarded = true;
    await this.tail;
    this.pieces.clear();
    this.memoryUsed = 0;
    const file = this.file;
    this.file = null;
    if (file) {
      await file.handle.close().catch(() => undefined);
      await rm(file.dir, { recursive: true, force: true });
    }
  }

  private list(database: string): Piece[] {
    let list = this.pieces.get(database);
    if (!list) this.pieces.set(database, (list = []));
    return list;
  }

  private async stageNow(database: string, bytes: Uint8Array): Promise<void> {
    if (this.discarded || bytes.length === 0) return;
    this.bytes += bytes.length;
    if (this.memoryUsed + bytes.length <= this.memoryBytes) {
      this.memoryUsed += bytes.length;
      this.list(database).push({ kind: 'memory', bytes: Buffer.from(bytes) });
      return;
    }
    const file = await this.spillFile();
    const offset = file.size;
    file.size += bytes.length;
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await file.handle.write(bytes, written, bytes.length - written, offset + written);
      written += bytesWritten;
    }
    this.list(database).push({ kind: 'file', offset, length: bytes.length });
  }

  private async spillFile(): Promise<{ dir: string; handle: FileHandle; size: number }> {
    if (this.file) return this.file;
    const dir = await mkdtemp(join(this.options.spillDir ?? tmpdir(), 'influxdb3-plugin-writes-'));
    const handle = await open(join(dir, 'writes.lp'), 'w+', 0o600);
    this.file = { dir, handle, size: 0 };
    return this.file;
  }
}
