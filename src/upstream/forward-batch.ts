import { serializeLine } from '../storage/line-protocol/serialize-line.js';
import { errorMessage } from '../shared/app-error.js';
import type { WriteRow } from '../storage/types.js';

// Most lines and bytes of line protocol in one request to the upstream.
export const MAX_REQUEST_LINES = 10_000;
export const MAX_REQUEST_BYTES = 1024 * 1024;

// One WAL record to forward (from the in-memory tail or re-read from the WAL).
export interface ForwardRecord {
  seq: bigint;
  database: string;
  rows: WriteRow[];
  bytes: number;
  ackTimeNs: bigint;
}

// Consecutive WAL records of one database, as line protocol with explicit nanosecond timestamps (a line written
// without one carries the node's ack time, so sending it again lands on the same point upstream).
export class ForwardBatch {
  readonly lines: string[] = [];
  lineBytes = 0;
  records = 0;
  walBytes = 0;
  firstSeq = 0n;
  lastSeq = 0n;
  // Rows no line protocol can carry (cannot come from a parsed write; kept for safety): counted as refused.
  unserializable: string[] = [];

  constructor(readonly database: string) {}

  add(rec: ForwardRecord): void {
    if (this.records === 0) {
      this.firstSeq = rec.seq;
    }
    this.records++;
    this.lastSeq = rec.seq;
    this.walBytes += rec.bytes;
    for (const row of rec.rows) {
      try {
        const line = serializeLine({ measurement: row.table, tags: row.tags, fields: row.fields, timestamp: row.time });
        this.lines.push(line);
        this.lineBytes += Buffer.byteLength(line) + 1;
      } catch (err) {
        this.unserializable.push(errorMessage(err));
      }
    }
  }

  get full(): boolean {
    return this.lines.length >= MAX_REQUEST_LINES || this.lineBytes >= MAX_REQUEST_BYTES;
  }

  // Request bodies of at most MAX_REQUEST_LINES lines / about MAX_REQUEST_BYTES each (one big write is split).
  bodies(): string[] {
    const out: string[] = [];
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < this.lines.length; i++) {
      const size = Buffer.byteLength(this.lines[i]!) + 1;
      if (i > start && (i - start >= MAX_REQUEST_LINES || bytes + size > MAX_REQUEST_BYTES)) {
        out.push(this.lines.slice(start, i).join('\n'));
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (start < this.lines.length) out.push(this.lines.slice(start).join('\n'));
    return out;
  }
}
