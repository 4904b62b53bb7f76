import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../../src/shared/logger.js';
import { WalCursorStore } from '../../../../src/engine/triggers/wal/wal-cursor-store.js';
import { pollUntil } from '../../../helpers/poll.js';

const logger = createLogger('silent');

describe('engine/triggers/wal-cursor-store', () => {
  let dir: string;
  let umask: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wal-cursors-'));
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes changes in one batch after the interval, 0600 in a 0700 directory, and reads them back', async () => {
    const file = join(dir, 'engine', 'wal-cursors.json');
    const store = new WalCursorStore({ file, logger, writeIntervalMs: 20 });
    for (let i = 1n; i <= 100n; i++) store.set(1, i);
    store.set(2, 7n);
    expect(() => statSync(file), 'nothing written synchronously').to.throw();
    await pollUntil(() => { try { return statSync(file); } catch { return null; } }, 'the cursor file');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(statSync(join(dir, 'engine')).mode & 0o777).to.equal(0o700);
    await store.stop();
    const again = new WalCursorStore({ file, logger });
    expect(again.get(1)).to.equal(100n);
    expect(again.get(2)).to.equal(7n);
    expect(again.get(3)).to.equal(undefined);
  });

  it('flush() and stop() write at once; remove() forgets a trigger', async () => {
    const file = join(dir, 'c.json');
    const store = new WalCursorStore({ file, logger, writeIntervalMs: 60_000 });
    store.set(4, 12345678901234567890n);
    await store.flush();
    expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal({ version: 1, cursors: { 4: '12345678901234567890' } });
    store.remove(4);
    await store.stop();
    expect(new WalCursorStore({ file, logger }).get(4)).to.equal(undefined);
  });

  it('a damaged file means no cursors (triggers start from now), not a failed start', () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'c.json');
    writeFileSync(file, '{"version":1,"cursors":{"1":"12"');
    expect(new WalCursorStore({ file, logger }).get(1)).to.equal(undefined);
  });

  it('keeps cursors in memory without a file', async () => {
    const store = new WalCursorStore({ file: null, logger });
    store.set(1, 3n);
    await store.stop();
    expect(store.get(1)).to.equal(3n);
  });
});
