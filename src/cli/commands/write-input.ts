// Line protocol input cut into request bodies of at most `max` bytes at line boundaries, as upstream's
// WriteChunkStream: a single line longer than `max` goes alone, whole, so the server refuses it cleanly.
export interface Chunk {
  body: Buffer;
  // Lines of the input before this chunk, to report the server's per-request line numbers against the input.
  firstLine: number;
}

export async function* lineChunks(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, max: number): AsyncGenerator<Chunk> {
  let pending = Buffer.alloc(0);
  let line = 0;
  const emit = (body: Buffer): Chunk => {
    const chunk = { body, firstLine: line };
    line += newlines(body);
    return chunk;
  };
  for await (const piece of source) {
    pending = Buffer.concat([pending, typeof piece === 'string' ? Buffer.from(piece) : piece]);
    while (pending.length > max) {
      let cut = pending.lastIndexOf(10, max - 1);
      if (cut < 0) cut = pending.indexOf(10, max);
      if (cut < 0) break; // one line longer than max, not yet complete
      yield emit(pending.subarray(0, cut + 1));
      pending = pending.subarray(cut + 1);
    }
  }
  if (pending.length > 0) yield emit(pending);
}

function newlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

// Lines the server will parse: neither blank nor a `#` comment.
export function dataLines(body: Buffer): number {
  let n = 0;
  for (const l of body.toString('utf8').split('\n')) {
    const t = l.trim();
    if (t !== '' && !t.startsWith('#')) n++;
  }
  return n;
}

// upstream's memory_size::format_bytes.
export function formatBytes(bytes: number): string {
  const units: Array<[number, string]> = [[1024 ** 3, 'GiB'], [1024 ** 2, 'MiB'], [1024, 'KiB']];
  for (const [size, unit] of units) if (bytes >= size) return `${(bytes / size).toFixed(2)}${unit}`;
  return `${Math.floor(bytes)}B`;
}

// Running totals and upstream's progress line: `1s 230ms: 3 requests (2.44 requests/sec), 120 lines (98 lines/s), 4.00KiB (3.25KiB/s)`.
export class WriteMetrics {
  requests = 0;
  lines = 0;
  bytes = 0;

  add(body: Buffer): void {
    this.requests++;
    this.lines += dataLines(body);
    this.bytes += body.length;
  }

  report(elapsedMs: number): string {
    if (this.requests === 0) return 'no data written';
    const secs = Math.max(elapsedMs / 1000, Number.EPSILON);
    const word = this.requests === 1 ? 'request' : 'requests';
    return `${formatElapsed(elapsedMs)}: ${this.requests} ${word} (${(this.requests / secs).toFixed(2)} requests/sec), ` +
      `${this.lines} lines (${Math.round(this.lines / secs)} lines/s), ${formatBytes(this.bytes)} (${formatBytes(this.bytes / secs)}/s)`;
  }
}

// humantime at millisecond precision: `1m 2s 30ms`.
export function formatElapsed(ms: number): string {
  let rest = Math.floor(ms);
  const parts: string[] = [];
  for (const [size, unit] of [[3_600_000, 'h'], [60_000, 'm'], [1000, 's'], [1, 'ms']] as Array<[number, string]>) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}
