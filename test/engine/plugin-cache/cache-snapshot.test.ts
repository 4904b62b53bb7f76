import { expect } from 'chai';
import { applyCacheChanges, pruneExpired, type CacheSnapshot } from '../../../src/engine/plugin-cache/cache-snapshot.js';
import { parseCacheChanges, snapshotToWire } from '../../../src/ipc/protocol/cache-wire.js';

describe('engine/plugin-cache/cache-snapshot', () => {
  it('parses cache_changes from the wire, copying the bytes', () => {
    const frame = Buffer.from('xxpickle');
    const changes = parseCacheChanges({
      cache_name: 'test_cache',
      set: { a: { value: frame.subarray(2), expires_at: 12.5 }, bad: { value: 'not bytes' } },
      deleted: ['b', 3],
      unpicklable: ['c'],
    })!;
    expect(changes.cacheName).to.equal('test_cache');
    expect([...changes.set.keys()]).to.deep.equal(['a']);
    expect(changes.set.get('a')).to.deep.equal({ value: Buffer.from('pickle'), expiresAt: 12.5 });
    frame.fill(0);
    expect(changes.set.get('a')!.value.toString()).to.equal('pickle');
    expect(changes.deleted).to.deep.equal(['b']);
    expect(changes.unpicklable).to.deep.equal(['c']);
    expect(parseCacheChanges(null)).to.equal(null);
    expect(parseCacheChanges({ set: {} })!.cacheName).to.equal(null);
  });

  it('applies sets and deletes, and prunes expired entries', () => {
    const snap: CacheSnapshot = new Map([
      ['keep', { value: Buffer.from('1'), expiresAt: null }],
      ['gone', { value: Buffer.from('2'), expiresAt: null }],
    ]);
    const changed = applyCacheChanges(snap, { cacheName: null, set: new Map([['new', { value: Buffer.from('3'), expiresAt: 5 }]]), deleted: ['gone'], unpicklable: [] });
    expect(changed).to.equal(true);
    expect([...snap.keys()]).to.deep.equal(['keep', 'new']);
    expect(applyCacheChanges(snap, { cacheName: null, set: new Map(), deleted: ['absent'], unpicklable: ['x'] })).to.equal(false);
    pruneExpired(snap, 5);
    expect([...snap.keys()]).to.deep.equal(['keep']);
    expect(snapshotToWire(snap)).to.deep.equal(new Map([['keep', { value: Buffer.from('1'), expires_at: null }]]));
  });
});
