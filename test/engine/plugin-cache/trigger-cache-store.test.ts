import { expect } from 'chai';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlobalCache } from '../../../src/engine/plugin-cache/global-cache.js';
import { TriggerCacheStore, triggerCacheKey } from '../../../src/engine/plugin-cache/trigger-cache-store.js';
import { createLogger } from '../../../src/shared/logger.js';
import { FakeClock } from '../fake-clock.js';

const logger = createLogger('silent');
const entry = (s: string, expiresAt: number | null = null) => ({ value: Buffer.from(s), expiresAt });
const changes = (set: Record<string, ReturnType<typeof entry>>, deleted: string[] = []) => ({
  cacheName: null,
  set: new Map(Object.entries(set)),
  deleted,
  unpicklable: [],
});

describe('engine/plugin-cache/trigger-cache-store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trigger-cache-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('persists per-trigger snapshots atomically and restores them in a new store (a server restart)', async () => {
    const clock = new FakeClock();
    const store = new TriggerCacheStore({ dir, logger, clock });
    await store.start();
    const key = triggerCacheKey('db/one', 'trig');
    await store.apply(key, changes({ a: entry('1'), b: entry('2', clock.nowMs() / 1000 + 3600) }));
    await store.apply(key, changes({ c: entry('3') }, ['a']));
    expect(clock.pendingDelays()).to.deep.equal([1000]);
    await clock.advance(1000);
    await store.flush(); // waits for the write the timer started
    const files = await readdir(dir);
    expect(files).to.deep.equal(['trigger-db%2Fone%2Ftrig.msgpack']);
    const again = new TriggerCacheStore({ dir, logger, clock });
    await again.start();
    const snap = await again.snapshot(key);
    expect([...snap.keys()].sort()).to.deep.equal(['b', 'c']);
    expect(snap.get('c')!.value.toString()).to.equal('3');
    expect(await again.storedKeys()).to.deep.equal([key]);
  });

  it('skips expired entries on restore and drops a trigger on request', async () => {
    const clock = new FakeClock();
    const store = new TriggerCacheStore({ dir, logger, clock });
    await store.start();
    await store.apply('k', changes({ short: entry('1', clock.nowMs() / 1000 + 5), long: entry('2') }));
    await store.flush();
    await clock.advance(10_000);
    expect([...(await new TriggerCacheStore({ dir, logger, clock }).snapshot('k')).keys()]).to.deep.equal(['long']);
    await store.drop('k');
    expect(await readdir(dir)).to.deep.equal([]);
    expect((await store.snapshot('k')).size).to.equal(0);
  });

  it('persists the global namespace and restores it into a GlobalCache', async () => {
    const clock = new FakeClock();
    const g1 = new GlobalCache({ clock });
    const store = new TriggerCacheStore({ dir, logger, clock });
    await store.start(g1);
    g1.put(null, 'shared', Buffer.from('pickled'), null);
    g1.put('test', 'not-persisted', Buffer.from('x'), null);
    await store.stop();
    const g2 = new GlobalCache({ clock });
    await new TriggerCacheStore({ dir, logger, clock }).start(g2);
    expect(g2.get(null, 'shared')).to.deep.equal({ found: true, value: Buffer.from('pickled') });
    expect(g2.size('test')).to.equal(0);
  });

  it('ignores a corrupt file, and keeps everything in memory when it has no directory', async () => {
    await writeFile(join(dir, 'trigger-bad.msgpack'), 'not msgpack at all');
    const store = new TriggerCacheStore({ dir, logger });
    expect((await store.snapshot('bad')).size).to.equal(0);
    const memory = new TriggerCacheStore({ dir: null, logger });
    await memory.start(new GlobalCache());
    await memory.apply('m', changes({ a: entry('1') }));
    await memory.flush();
    expect((await memory.snapshot('m')).get('a')!.value.toString()).to.equal('1');
    expect(memory.persistent).to.equal(false);
  });
});
