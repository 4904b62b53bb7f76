import { expect } from 'chai';
import { DistinctValueCache } from '../../../src/storage/caches/distinct-value-cache.js';
import type { DistinctCacheDefinition } from '../../../src/storage/catalog/catalog-resources.js';
import type { KeyColumn } from '../../../src/storage/caches/last-value-cache.js';
import { field, row } from '../duckdb/store-fixtures.js';

const S = 1_000_000_000n;
const NOW = 1_000_000n * S;
const REGION: KeyColumn = { name: 'region', type: 'tag' };
const HOST: KeyColumn = { name: 'host', type: 'tag' };

function cache(columns: KeyColumn[], maxCardinality = 100, maxAgeSeconds = 3600): DistinctValueCache {
  const def: DistinctCacheDefinition = { dbId: 1, tableId: 1, table: 'cpu', name: 'd', columns: columns.map((c) => c.name), maxCardinality, maxAgeSeconds };
  return new DistinctValueCache(def, columns);
}

const cpu = (tags: Record<string, string>, time = NOW) => row('cpu', tags, [field('usage', 1)], time);

describe('storage/caches/distinct-value-cache', () => {
  it('lists each combination once, sorted by value', () => {
    const c = cache([REGION, HOST]);
    for (const [r, h] of [['us', 'b'], ['eu', 'z'], ['us', 'a'], ['us', 'b'], ['eu', 'c']]) c.push(cpu({ region: r!, host: h! }), NOW);
    expect(c.query(undefined, NOW)).to.deep.equal([['eu', 'c'], ['eu', 'z'], ['us', 'a'], ['us', 'b']]);
    expect(c.cardinality).to.equal(4);
  });

  it('filters by per-level IN lists', () => {
    const c = cache([REGION, HOST]);
    for (const [r, h] of [['us', 'a'], ['us', 'b'], ['eu', 'a']]) c.push(cpu({ region: r!, host: h! }), NOW);
    expect(c.query([['us']], NOW)).to.deep.equal([['us', 'a'], ['us', 'b']]);
    expect(c.query([undefined, ['a']], NOW)).to.deep.equal([['eu', 'a'], ['us', 'a']]);
    expect(c.query([['ap']], NOW)).to.deep.equal([]);
  });

  it('max_cardinality: a new combination beyond the limit evicts the least recently written one', () => {
    const c = cache([HOST], 3);
    for (const h of ['a', 'b', 'c']) c.push(cpu({ host: h }), NOW);
    c.push(cpu({ host: 'a' }), NOW); // a is now the most recent
    c.push(cpu({ host: 'd' }), NOW);
    expect(c.query(undefined, NOW).flat()).to.deep.equal(['a', 'c', 'd']);
    expect(c.cardinality).to.equal(3);
  });

  it('eviction removes emptied branches of a multi-level cache', () => {
    const c = cache([REGION, HOST], 1);
    c.push(cpu({ region: 'us', host: 'a' }), NOW);
    c.push(cpu({ region: 'eu', host: 'b' }), NOW);
    expect(c.query(undefined, NOW)).to.deep.equal([['eu', 'b']]);
    expect(c.query([['us']], NOW)).to.deep.equal([]);
  });

  it('max_age counts from the newest row time: old rows are not added, stale entries vanish and are pruned', () => {
    const c = cache([HOST], 100, 60);
    c.push(cpu({ host: 'old' }, NOW - 61n * S), NOW);
    expect(c.cardinality).to.equal(0);
    c.push(cpu({ host: 'a' }, NOW - 50n * S), NOW);
    c.push(cpu({ host: 'b' }, NOW - 10n * S), NOW);
    expect(c.query(undefined, NOW).flat()).to.deep.equal(['a', 'b']);
    expect(c.query(undefined, NOW + 20n * S).flat()).to.deep.equal(['b']);
    // A newer row refreshes the entry.
    c.push(cpu({ host: 'a' }, NOW + 15n * S), NOW + 15n * S);
    expect(c.query(undefined, NOW + 20n * S).flat()).to.deep.equal(['a', 'b']);
    expect(c.prune(NOW + 60n * S)).to.equal(1);
    expect(c.query(undefined, NOW + 60n * S).flat()).to.deep.equal(['a']);
  });

  it('skips rows missing a column and takes string fields as well as tags', () => {
    const c = cache([HOST, { name: 'status', type: 'utf8' }]);
    c.push(cpu({ host: 'a' }), NOW);
    c.push(row('cpu', { host: 'a' }, [field('status', 'ok')], NOW), NOW);
    expect(c.query(undefined, NOW)).to.deep.equal([['a', 'ok']]);
  });

  it('pushAll refreshes a series once per write and survives evictions inside the write', () => {
    const a = Object.freeze([Object.freeze(['host', 'a'])]) as unknown as Array<[string, string]>;
    const b = Object.freeze([Object.freeze(['host', 'b'])]) as unknown as Array<[string, string]>;
    const c = cache([HOST], 1);
    const rows = [a, b, a].map((tags, i) => ({ table: 'cpu', tags, fields: [field('usage', 1)], time: NOW + BigInt(i) }));
    c.pushAll(rows, NOW);
    expect(c.query(undefined, NOW + 5n)).to.deep.equal([['a']]);
    const wide = cache([HOST], 10, 60);
    wide.pushAll([{ table: 'cpu', tags: a, fields: [], time: NOW - 100n * S }, { table: 'cpu', tags: a, fields: [], time: NOW + 30n * S }, { table: 'cpu', tags: b, fields: [], time: NOW }], NOW);
    // a's newest time counts, although its first row in the write was too old to add.
    expect(wide.query(undefined, NOW + 70n * S)).to.deep.equal([['a']]);
  });

  it('combinations are unambiguous whatever the values contain', () => {
    const c = cache([REGION, HOST]);
    c.push(cpu({ region: '1:a', host: 'b' }), NOW);
    c.push(cpu({ region: '1', host: ':ab' }), NOW);
    expect(c.cardinality).to.equal(2);
  });
});
