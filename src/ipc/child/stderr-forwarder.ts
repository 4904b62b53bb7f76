import type { Readable } from 'node:stream';
import type { Logger } from '../../shared/logger.js';

const MAX_LINE_CHARS = 16 * 1024;
const TAIL_LINES = 40;
const TRACEBACK_START =
  /^(Traceback \(most recent call last\):|During handling of the above exception|The above exception was the direct cause)/;

// A child's stderr as log lines (info, Python tracebacks at warn) plus the recent tail that goes into errors.
export class StderrForwarder {
  private readonly tail: string[] = [];
  private partial = '';
  private inTraceback = false;

  constructor(
    private readonly stream: Readable,
    private readonly logger: Logger,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', this.onData);
    stream.on('end', this.flush);
  }

  // The last lines the child wrote, oldest first.
  tailText(maxChars = 4096): string {
    const text = [...this.tail, ...(this.partial ? [this.partial] : [])].join('\n');
    return text.length > maxChars ? `…${text.slice(text.length - maxChars)}` : text;
  }

  // Logs a half-written last line, e.g. when the child died mid-line.
  readonly flush = (): void => {
    if (this.partial) this.emit(this.partial);
    this.partial = '';
  };

  private readonly onData = (chunk: string): void => {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    if (this.partial.length > MAX_LINE_CHARS) {
      lines.push(this.partial);
      this.partial = '';
    }
    for (const line of lines) this.emit(line);
  };

  private emit(raw: string): void {
    const line = (raw.endsWith('\r') ? raw.slice(0, -1) : raw).slice(0, MAX_LINE_CHARS);
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    if (line === '') return;
    if (this.isTracebackLine(line)) this.logger.warn(line);
    else this.logger.info(line);
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
