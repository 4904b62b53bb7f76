import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueuedWrites } from '../../../src/engine/runners/queued-writes.js';

const chunk = (from: number, to: number): Buffer =>
  Buffer.from(Array.from({ length: to - from }, (_, i) => `m v=${from + i}i ${from + i}`).join('\n'));

async function bodies(w: QueuedWrites, db: string, bodyBytes?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const body of w.bodies(db, bodyBytes)) out.push(body);
  return out;
}

describe('engine/runners/queued-writes', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'queued-writes-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps small batches in memory, per database in first-write order, remainder last', async () => {
    const w = new QueuedWrites({ spillDir: dir });
    await w.stage('b', chunk(0, 2));
    await w.stage('a', chunk(2, 3));
    w.addRemainder({ a: ['x v=1i'], b: [], c: ['y v=2i', 'y v=3i'] });
    expect(w.databases).to.deep.equal(['b', 'a', 'c']);
    expect(w.spilled).to.equal(false);
    expect(await bodies(w, 'a')).to.deep.equal(['m v=2i 2\nx v=1i']);
    expect(await w.toRecord()).to.deep.equal({ b: ['m v=0i 0', 'm v=1i 1'], a: ['m v=2i 2', 'x v=1i'], c: ['y v=2i', 'y v=3i'] });
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('spills beyond its memory share to a private file, reads it back in order and removes it on discard', async () => {
    const w = new QueuedWrites({ spillDir: dir, memoryBytes: 1000 });
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const c = chunk(i * 50, i * 50 + 50);
      sent.push(c.toString());
      // A view into a larger buffer, as frames decode: staging must copy or write it out before it is reused.
      const frame = Buffer.concat([Buffer.from('head'), c]);
      await w.stage('db', frame.subarray(4));
      frame.fill(0);
    }
    expect(w.spilled).to.equal(true);
    const [spill] = readdirSync(dir);
    expect(spill).to.match(/^influxdb3-plugin-writes-/);
    // A small batch is one body (one write, as upstream); a large one comes as bodies of whole lines.
    expect(await bodies(w, 'db')).to.deep.equal([sent.join('\n')]);
    const cut = await bodies(w, 'db', 300);
    expect(cut.length).to.be.greaterThan(40);
    for (const body of cut) expect(body.length).to.be.lessThan(300 + 20);
    expect(cut.join('\n')).to.equal(sent.join('\n'));
    const lines = (await w.toRecord()).db!;
    expect(lines.length).to.equal(1000);
    expect(lines[999]).to.equal('m v=999i 999');
    await w.discard();
    expect(existsSync(join(dir, spill!))).to.equal(false);
    await w.stage('db', chunk(0, 1));
    expect(w.databases).to.deep.equal([]);
  });

  it('fromRecord wraps a version-1 result map', async () => {
    const w = QueuedWrites.fromRecord({ db: ['a v=1i', 'a v=2i'] });
    expect(await bodies(w, 'db')).to.deep.equal(['a v=1i\na v=2i']);
  });
});
