import { expect } from 'chai';
import { LastValueCache, type KeyColumn } from '../../../src/storage/caches/last-value-cache.js';
import type { LastCacheDefinition } from '../../../src/storage/catalog/catalog-resources.js';
import type { WriteRow } from '../../../src/storage/types.js';
import { field, row } from '../duckdb/store-fixtures.js';

function cache(keys: KeyColumn[], count = 1, ttlSeconds = 60): LastValueCache {
  const def: LastCacheDefinition = { dbId: 1, tableId: 1, table: 'cpu', name: 'c', keyColumns: keys.map((k) => k.name), valueColumns: null, count, ttlSeconds };
  return new LastValueCache(def, keys);
}

const HOST: KeyColumn = { name: 'host', type: 'tag' };
const REGION: KeyColumn = { name: 'region', type: 'tag' };
const USAGE: KeyColumn = { name: 'usage', type: 'float64' };
const TIME: KeyColumn = { name: 'time', type: 'time' };

const cpu = (host: string | null, region: string, usage: number | null, time: bigint): WriteRow =>
  row('cpu', { ...(host === null ? {} : { host }), region }, usage === null ? [field('other', 1)] : [field('usage', usage)], time);

describe('storage/caches/last-value-cache', () => {
  it('keeps only the newest row per key with count 1', () => {
    const c = cache([HOST]);
    c.push(cpu('a', 'us', 1, 10n), 0);
    c.push(cpu('a', 'us', 2, 20n), 0);
    c.push(cpu('b', 'us', 3, 15n), 0);
    expect(c.rows([USAGE, TIME], undefined, 0)).to.deep.equal([
      ['a', 2, 20n],
      ['b', 3, 15n],
    ]);
  });

  it('evicts by count: the newest `count` rows, newest first, out-of-order rows take their place by time', () => {
    const c = cache([HOST], 3);
    for (const t of [10n, 30n, 20n, 50n, 5n, 40n]) c.push(cpu('a', 'us', Number(t), t), 0);
    expect(c.rows([TIME], undefined, 0).map((r) => r[1])).to.deep.equal([50n, 40n, 30n]);
    // A row older than everything held is not cached once the key is full.
    c.push(cpu('a', 'us', 1, 1n), 0);
    expect(c.rows([TIME], undefined, 0)).to.have.length(3);
  });

  it('a second write of the same series and time merges fields instead of taking a slot', () => {
    const c = cache([HOST], 2);
    c.push(row('cpu', { host: 'a' }, [field('usage', 1), field('system', 9)], 10n), 0);
    c.push(row('cpu', { host: 'a' }, [field('usage', 2)], 10n), 0);
    expect(c.rows([USAGE, { name: 'system', type: 'float64' }, TIME], undefined, 0)).to.deep.equal([['a', 2, 9, 10n]]);
  });

  it('rows sharing a key but from different series both count (key on a subset of the tags)', () => {
    const c = cache([REGION], 2);
    c.push(cpu('a', 'us', 1, 10n), 0);
    c.push(cpu('b', 'us', 2, 10n), 0);
    c.push(cpu('c', 'eu', 3, 10n), 0);
    expect(c.rows([HOST, USAGE], [['us']], 0)).to.have.deep.members([
      ['us', 'a', 1],
      ['us', 'b', 2],
    ]);
  });

  it('expires rows by ttl from when they arrived, and prune frees emptied keys', () => {
    const c = cache([HOST], 2, 10);
    c.push(cpu('a', 'us', 1, 1n), 1_000);
    c.push(cpu('a', 'us', 2, 2n), 5_000);
    c.push(cpu('b', 'us', 3, 3n), 1_000);
    expect(c.rows([USAGE], undefined, 10_999).map((r) => r[1])).to.deep.equal([2, 1, 3]);
    expect(c.rows([USAGE], undefined, 11_000).map((r) => r[1])).to.deep.equal([2]);
    expect(c.size()).to.equal(2);
    expect(c.prune(11_000)).to.equal(1);
    expect(c.size()).to.equal(1);
    expect(c.rows([USAGE], undefined, 15_000)).to.deep.equal([]);
  });

  it('key combinations: predicates on any level, IN lists, and a missing value yields nothing', () => {
    const c = cache([REGION, HOST]);
    c.push(cpu('a', 'us', 1, 1n), 0);
    c.push(cpu('b', 'us', 2, 1n), 0);
    c.push(cpu('c', 'eu', 3, 1n), 0);
    expect(c.rows([USAGE], [['us'], ['b']], 0)).to.deep.equal([['us', 'b', 2]]);
    expect(c.rows([USAGE], [undefined, ['c', 'a']], 0)).to.have.deep.members([
      ['eu', 'c', 3],
      ['us', 'a', 1],
    ]);
    expect(c.rows([USAGE], [['eu'], ['a']], 0)).to.deep.equal([]);
    expect(c.rows([USAGE], [['nope'], undefined], 0)).to.deep.equal([]);
    expect(c.rows([USAGE], undefined, 0)).to.have.length(3);
  });

  it('nulls: a row without a key column is not cached; a missing value column reads as null', () => {
    const c = cache([HOST]);
    c.push(cpu(null, 'us', 1, 1n), 0);
    expect(c.size()).to.equal(0);
    c.push(cpu('a', 'us', null, 1n), 0);
    expect(c.rows([USAGE, REGION], undefined, 0)).to.deep.equal([['a', null, 'us']]);
  });

  it('integer, unsigned and boolean key columns are looked up by value', () => {
    const keys: KeyColumn[] = [{ name: 'id', type: 'int64' }, { name: 'ok', type: 'bool' }];
    const c = cache(keys);
    c.push(row('t', {}, [field('id', 7n), field('ok', true), field('v', 1)], 1n), 0);
    c.push(row('t', {}, [field('id', 8n), field('ok', false), field('v', 2)], 1n), 0);
    expect(c.rows([{ name: 'v', type: 'float64' }], [[7n], [true]], 0)).to.deep.equal([[7n, true, 1]]);
    expect(c.rows([{ name: 'v', type: 'float64' }], [[8n], [true]], 0)).to.deep.equal([]);
  });

  it('a cache without key columns holds the newest rows of the whole table', () => {
    const c = cache([], 2);
    c.push(cpu('a', 'us', 1, 1n), 0);
    c.push(cpu('b', 'us', 2, 3n), 0);
    c.push(cpu('c', 'us', 3, 2n), 0);
    expect(c.rows([HOST, TIME], undefined, 0)).to.deep.equal([
      ['b', 3n],
      ['c', 2n],
    ]);
  });

  it('pushAll (one write, series sharing a tags array) gives the same contents as row-by-row pushes', () => {
    const a = Object.freeze([Object.freeze(['host', 'a']), Object.freeze(['region', 'us'])]) as unknown as Array<[string, string]>;
    const b = Object.freeze([Object.freeze(['region', 'eu'])]) as unknown as Array<[string, string]>;
    const rows: WriteRow[] = [
      { table: 'cpu', tags: a, fields: [field('usage', 1)], time: 3n },
      { table: 'cpu', tags: b, fields: [field('usage', 2)], time: 2n },
      { table: 'cpu', tags: a, fields: [field('usage', 3)], time: 5n },
      { table: 'cpu', tags: a, fields: [field('usage', 4)], time: 4n },
    ];
    const one = cache([HOST], 2);
    const all = cache([HOST], 2);
    for (const r of rows) one.push(r, 0);
    all.pushAll(rows, 0);
    expect(all.rows([USAGE, TIME], undefined, 0)).to.deep.equal(one.rows([USAGE, TIME], undefined, 0));
    expect(all.rows([USAGE, TIME], undefined, 0)).to.deep.equal([['a', 3, 5n], ['a', 4, 4n]]);
  });

  it('finds one key among 100k by walking the index, not the whole cache', () => {
    const c = cache([HOST]);
    for (let i = 0; i < 100_000; i++) c.push(cpu(`h${i}`, 'us', i, BigInt(i)), 0);
    const seen: unknown[][] = [];
    c.lookup([['h77777']], 0, (keys, r) => seen.push([...keys, r.time]));
    expect(seen).to.deep.equal([['h77777', 77777n]]);
  });
});
