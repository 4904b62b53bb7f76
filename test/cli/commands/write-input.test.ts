import { expect } from 'chai';
import { dataLines, formatBytes, formatElapsed, lineChunks, WriteMetrics } from '../../../src/cli/commands/write-input.js';

async function collect(pieces: string[], max: number): Promise<Array<{ body: string; firstLine: number }>> {
  const out: Array<{ body: string; firstLine: number }> = [];
  for await (const c of lineChunks(pieces, max)) out.push({ body: c.body.toString(), firstLine: c.firstLine });
  return out;
}

describe('cli/commands/write-input', () => {
  it('cuts input at line boundaries into bodies of at most max bytes, whatever the read sizes', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `m,t=${i} f=${i}i ${1000 + i}\n`);
    const text = lines.join('');
    for (const readSize of [1, 7, 64, text.length]) {
      const pieces: string[] = [];
      for (let i = 0; i < text.length; i += readSize) pieces.push(text.slice(i, i + readSize));
      const chunks = await collect(pieces, 60);
      expect(chunks.map((c) => c.body).join(''), `read size ${readSize}`).to.equal(text);
      for (const c of chunks) {
        expect(Buffer.byteLength(c.body)).to.be.at.most(60);
        expect(c.body.endsWith('\n')).to.equal(true);
      }
      expect(chunks.length).to.be.greaterThan(5);
      // firstLine counts the lines before each chunk
      let before = 0;
      for (const c of chunks) {
        expect(c.firstLine).to.equal(before);
        before += c.body.split('\n').length - 1;
      }
    }
  });

  it('sends a line longer than max whole and alone, and the last line without a newline', async () => {
    const long = `m f="${'x'.repeat(100)}"`;
    const chunks = await collect([`a f=1\n${long}\nb f=2\nc f=3`], 20);
    expect(chunks.map((c) => c.body)).to.deep.equal(['a f=1\n', `${long}\n`, 'b f=2\nc f=3']);
  });

  it('counts data lines (no blanks, no comments) and formats like upstream', () => {
    expect(dataLines(Buffer.from('# c\n\na f=1\n  \nb f=2'))).to.equal(2);
    expect([formatBytes(512), formatBytes(2048), formatBytes(3 * 1024 * 1024)]).to.deep.equal(['512B', '2.00KiB', '3.00MiB']);
    expect([formatElapsed(0), formatElapsed(1230), formatElapsed(62_030)]).to.deep.equal(['0s', '1s 230ms', '1m 2s 30ms']);
    const m = new WriteMetrics();
    expect(m.report(10)).to.equal('no data written');
    m.add(Buffer.from('a f=1\nb f=2\n'));
    expect(m.report(2000)).to.equal('2s: 1 request (0.50 requests/sec), 2 lines (1 lines/s), 12B (6B/s)');
  });
});
