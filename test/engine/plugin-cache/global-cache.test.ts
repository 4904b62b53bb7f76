import { expect } from 'chai';
import { GlobalCache } from '../../../src/engine/plugin-cache/global-cache.js';
import { FakeClock } from '../fake-clock.js';

const v = (s: string) => Buffer.from(s);

describe('engine/plugin-cache/global-cache', () => {
  it('stores pickled bytes by value per namespace: server-wide (null) and test-global X', () => {
    const cache = new GlobalCache({ clock: new FakeClock() });
    cache.put(null, 'k', v('global'), null);
    cache.put('t1', 'k', v('test'), null);
    expect(cache.get(null, 'k')).to.deep.equal({ found: true, value: v('global') });
    expect(cache.get('t1', 'k')).to.deep.equal({ found: true, value: v('test') });
    expect(cache.get('t2', 'k')).to.deep.equal({ found: false, value: null });
  });

  it('expires entries at now + ttl and removes them on read; delete reports existence (expired or not)', async () => {
    const clock = new FakeClock();
    const cache = new GlobalCache({ clock });
    cache.put(null, 'a', v('1'), 1.5);
    cache.put(null, 'b', v('2'), 1.5);
    await clock.advance(1_000);
    expect(cache.get(null, 'a').found).to.equal(true);
    await clock.advance(500);
    expect(cache.get(null, 'a').found).to.equal(false);
    expect(cache.size(null)).to.equal(1);
    expect(cache.delete(null, 'b')).to.equal(true);
    expect(cache.delete(null, 'b')).to.equal(false);
  });

  it('sweeps expired entries and empty test namespaces at most every 10 s', async () => {
    const clock = new FakeClock();
    const cache = new GlobalCache({ clock });
    cache.put('t', 'x', v('1'), 1);
    cache.put(null, 'y', v('1'), 1);
    await clock.advance(5_000);
    cache.maybeSweep();
    expect(cache.size('t')).to.equal(1);
    await clock.advance(5_000);
    cache.maybeSweep();
    expect(cache.size('t')).to.equal(0);
    expect(cache.size(null)).to.equal(0);
  });

  it('tells a listener when the server-wide namespace changes (persistence), not for test namespaces', () => {
    const cache = new GlobalCache({ clock: new FakeClock() });
    let changes = 0;
    cache.onGlobalChange = () => changes++;
    cache.put('t', 'k', v('x'), null);
    cache.put(null, 'k', v('x'), null);
    cache.delete(null, 'k');
    cache.delete(null, 'missing');
    expect(changes).to.equal(2);
  });

  it('restores a snapshot, skipping expired entries', () => {
    const clock = new FakeClock();
    const cache = new GlobalCache({ clock });
    const now = clock.nowMs() / 1000;
    cache.restore(new Map([
      ['live', { value: v('1'), expiresAt: now + 10 }],
      ['dead', { value: v('2'), expiresAt: now - 1 }],
      ['forever', { value: v('3'), expiresAt: null }],
    ]));
    expect([...cache.snapshot().keys()].sort()).to.deep.equal(['forever', 'live']);
  });
});
