import type { Readable } from 'node:stream';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { OutputRateLimiter } from './output-rate-limiter.js';

// A printed line longer than this is logged cut, saying how much was cut.
export const MAX_LINE_BYTES = 16 * 1024;
// Dropped output is summarised once per interval, not per line.
export const DROP_SUMMARY_INTERVAL_MS = 1_000;
const TAIL_BYTES = 16 * 1024;
const TAIL_LINES = 40;
const NEWLINE = 0x0a;
const TRACEBACK_START =
  /^(Traceback \(most recent call last\):|During handling of the above exception|The above exception was the direct cause)/;

// Test seams: the clock behind the rate limit and the summary timer, and the limiter (which may be shared).
export interface StderrForwarderOptions {
  clock?: Clock;
  limiter?: OutputRateLimiter;
}

// A child's stderr as log lines (one pino line per printed line: info, Python tracebacks at warn), rate-limited with
// a "N lines / M bytes dropped" summary, plus the raw recent tail that goes into errors. A flood costs little: when
// the limiter is exhausted a chunk is dropped by counting its newlines, without building strings.
export class StderrForwarder {
  private readonly clock: Clock;
  private readonly limiter: OutputRateLimiter;
  // The line being received: its first MAX_LINE_BYTES, and how many bytes beyond them were cut.
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private partialCut = 0;
  private tail: Buffer = Buffer.alloc(0);
  private inTraceback = false;
  private droppedLines = 0;
  private droppedBytes = 0;
  private summaryTimer: NodeJS.Timeout | undefined;

  constructor(
    stream: Readable,
    private readonly logger: Logger,
    options: StderrForwarderOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.limiter = options.limiter ?? new OutputRateLimiter(undefined, this.clock);
    stream.on('data', this.onData);
    stream.on('end', this.flush);
  }

  // The last lines the child wrote (whether or not they were logged), oldest first.
  tailText(maxChars = 4096): string {
    let text = this.tail.toString('utf8').replace(/\r\n/g, '\n');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    const lines = text.split('\n');
    text = lines.slice(-TAIL_LINES).join('\n');
    return text.length > maxChars ? `…${text.slice(text.length - maxChars)}` : text;
  }

  // Logs a half-written last line (e.g. the child died mid-line) and any pending drop summary.
  readonly flush = (): void => {
    if (this.partialBytes + this.partialCut > 0) {
      this.limiter.refill();
      this.completeLine(0);
    }
    this.summarise();
  };

  private readonly onData = (data: Buffer | string): void => {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    this.remember(chunk);
    this.limiter.refill();
    let start = 0;
    while (start < chunk.length) {
      if (this.limiter.exhausted) {
        this.dropRest(chunk, start);
        return;
      }
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) {
        this.append(chunk, start, chunk.length);
        return;
      }
      this.append(chunk, start, nl);
      this.completeLine(1);
      start = nl + 1;
    }
  };

  // Nothing fits until the next refill: count the chunk's complete lines as dropped and keep only its unfinished end.
  private dropRest(chunk: Buffer, start: number): void {
    let lines = 0;
    for (let i = start; i < chunk.length; i++) if (chunk[i] === NEWLINE) lines++;
    if (lines === 0) {
      this.append(chunk, start, chunk.length);
      return;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    this.noteDropped(lines, this.partialBytes + this.partialCut + (last + 1 - start));
    this.resetPartial();
    this.append(chunk, last + 1, chunk.length);
  }

  private append(chunk: Buffer, start: number, end: number): void {
    const room = MAX_LINE_BYTES - this.partialBytes;
    const keep = Math.min(room, end - start);
    if (keep > 0) {
      this.partial.push(chunk.subarray(start, start + keep));
      this.partialBytes += keep;
    }
    this.partialCut += end - start - keep;
  }

  private completeLine(newlineBytes: number): void {
    const kept = this.partialBytes;
    const cut = this.partialCut;
    const parts = this.partial;
    this.resetPartial();
    if (!this.limiter.take(kept + newlineBytes)) {
      this.noteDropped(1, kept + cut + newlineBytes);
      return;
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, kept);
    const shown = cut > 0 ? utf8Boundary(bytes, bytes.length) : bytes.length;
    let line = bytes.toString('utf8', 0, shown);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (cut > 0) line = `${line}… [cut ${cut + kept - shown} bytes]`;
    if (line === '') return;
    if (this.isTracebackLine(line)) this.logger.warn(line);
    else this.logger.info(line);
  }

  private resetPartial(): void {
    this.partial = [];
    this.partialBytes = 0;
    this.partialCut = 0;
  }

  private noteDropped(lines: number, bytes: number): void {
    this.droppedLines += lines;
    this.droppedBytes += bytes;
    this.inTraceback = false;
    if (this.summaryTimer === undefined) {
      this.summaryTimer = this.clock.setTimeout(this.summarise, DROP_SUMMARY_INTERVAL_MS);
      this.summaryTimer.unref?.();
    }
  }

  private readonly summarise = (): void => {
    if (this.summaryTimer !== undefined) this.clock.clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
    if (this.droppedLines === 0 && this.droppedBytes === 0) return;
    const { linesPerSecond, bytesPerSecond } = this.limiter.limits;
    this.logger.warn(
      { droppedLines: this.droppedLines, droppedBytes: this.droppedBytes },
      `${this.droppedLines} lines / ${this.droppedBytes} bytes dropped (runner output over ${linesPerSecond} lines/s or ${bytesPerSecond} bytes/s)`,
    );
    this.droppedLines = 0;
    this.droppedBytes = 0;
  };

  // Keeps the last TAIL_BYTES of raw output for error messages.
  private remember(chunk: Buffer): void {
    if (chunk.length >= TAIL_BYTES) {
      this.tail = Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES));
      return;
    }
    const keep = Math.min(this.tail.length, TAIL_BYTES - chunk.length);
    this.tail = Buffer.concat([this.tail.subarray(this.tail.length - keep), chunk]);
  }

  // "Traceback (most recent call last):", its indented frames, chained-exception headers, and the final
  // "SomeError: message" line all belong to one traceback block.
  private isTracebackLine(line: string): boolean {
    if (TRACEBACK_START.test(line)) {
      this.inTraceback = true;
      return true;
    }
    if (!this.inTraceback) return false;
    if (/^\s/.test(line)) return true;
    // The unindented line after the frames names the exception and ends the block.
    this.inTraceback = false;
    return true;
  }
}

// The largest index ≤ end that does not split a UTF-8 character.
function utf8Boundary(bytes: Buffer, end: number): number {
  let i = end;
  while (i > 0 && i > end - 4 && (bytes[i - 1]! & 0xc0) === 0x80) i--;
  if (i > 0 && bytes[i - 1]! >= 0xc0) {
    const lead = bytes[i - 1]!;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (end - (i - 1) < need) return i - 1;
  }
  return end;
}
