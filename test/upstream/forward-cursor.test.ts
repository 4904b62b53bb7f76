import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/shared/logger.js';
import { ForwardCursor } from '../../src/upstream/forward-cursor.js';

describe('upstream/forward-cursor: the durable forward position', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'forward-cursor-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const log = createLogger('silent');

  it('starts at 0, survives a restart, never moves back, and is written 0600', async () => {
    const file = join(dir, 'upstream', 'forward-cursor.json');
    const c = new ForwardCursor(file, log, 10_000);
    expect(c.position).to.equal(0n);
    c.set(41n);
    c.set(40n);
    expect([c.position, c.durable]).to.deep.equal([41n, 0n]);
    await c.flush();
    expect(c.durable).to.equal(41n);
    expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal({ version: 1, forwardedSeq: '41' });
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(new ForwardCursor(file, log).position).to.equal(41n);
  });

  it('a damaged file starts from the oldest WAL record (0)', () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, '{"version":1,"forwardedSeq":"x"}');
    expect(new ForwardCursor(file, log).position).to.equal(0n);
  });
});
