import { StringDecoder } from 'node:string_decoder';

// Cuts a byte stream (a child's output, an NDJSON body) into lines as it arrives: `\n`, `\r\n` and a bare `\r` (a terminal redraw) each end one;
// UTF-8 sequences split across chunks are kept whole.
export class LineSplitter {
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const lines = (this.partial + this.decoder.write(chunk)).split(/\r\n|\n|\r(?!$)/);
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  end(): void {
    const rest = (this.partial + this.decoder.end()).replace(/\r$/, '');
    this.partial = '';
    if (rest) this.onLine(rest);
  }
}
