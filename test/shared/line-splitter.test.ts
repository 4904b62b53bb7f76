import { expect } from 'chai';
import { LineSplitter } from '../../src/shared/line-splitter.js';

describe('shared/line-splitter', () => {
  const split = (...chunks: Array<string | Buffer>) => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    for (const c of chunks) s.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    s.end();
    return lines;
  };

  it('cuts at \\n and \\r\\n, across chunk boundaries, and gives the unterminated rest at the end', () => {
    expect(split('Coll', 'ecting a\nProcessing', ' b\r\nInstalling')).to.deep.equal(['Collecting a', 'Processing b', 'Installing']);
  });

  it('a bare \\r (a terminal redraw) ends a line too, but a \\r\\n split between chunks is one end', () => {
    expect(split('10%\r50%\r100%\n')).to.deep.equal(['10%', '50%', '100%']);
    expect(split('done\r', '\nnext\r')).to.deep.equal(['done', 'next']);
  });

  it('keeps a UTF-8 character split between chunks whole', () => {
    const bytes = Buffer.from('Collecting café\n');
    const cut = bytes.indexOf(0xc3) + 1;
    expect(split(bytes.subarray(0, cut), bytes.subarray(cut))).to.deep.equal(['Collecting café']);
  });
});
