import { expect } from 'chai';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { Progress } from '../../src/shared/progress.js';

describe('shared/progress: progress lines of long operations', () => {
  it('reports done/of, bytes, the rate and the time left, and closes with the totals', () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk))), done()) });
    const progress = new Progress('wal replay', { items: 4, bytes: 400 }, pino({}, sink), 0);
    progress.add(1, 100, 10);
    progress.add(1, 100, 10);
    expect(lines.map((l) => l.msg)).to.deep.equal(['wal replay progress', 'wal replay progress']);
    expect(lines[1]).to.include({ done: 2, of: 4, bytesDone: 200, bytesOf: 400, percent: 50 });
    expect(lines[1]!.secondsLeft).to.be.a('number').and.at.least(0);
    expect(lines[1]!.rowsPerSecond).to.be.a('number').and.greaterThan(0);
    progress.add(2, 200, 20);
    expect(progress.done()).to.include({ done: 4, percent: 100, secondsLeft: 0 });
  });

  it('stays quiet between reports', () => {
    const lines: unknown[] = [];
    const sink = new Writable({ write: (chunk, _e, done) => (lines.push(chunk), done()) });
    const progress = new Progress('x', { items: 100, bytes: 0 }, pino({}, sink), 60_000);
    for (let i = 0; i < 100; i++) progress.add(1, 0);
    expect(lines).to.have.length(0);
  });
});
