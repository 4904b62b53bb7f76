import { expect } from 'chai';
import type { DuckDbStore } from '../../../src/storage/duckdb/duckdb-store.js';
import { field, openStore, row } from './store-fixtures.js';

describe('DuckDbStore concurrency', () => {
  let store: DuckDbStore;
  beforeEach(async () => {
    store = await openStore(':memory:', { readers: 2 });
  });
  afterEach(() => store.close());

  it('serves more parallel queries than connections, each on its own database', async () => {
    for (const id of [1, 2, 3]) {
      await store.createDatabase(id, `db${id}`);
      await store.applyBatch([{ dbId: id, table: 't', rows: Array.from({ length: id }, (_, i) => row('t', {}, [field('v', i)], BigInt(i))) }], BigInt(id));
    }
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => store.query((i % 3) + 1, 'SELECT count(*) FROM t')));
    results.forEach((r, i) => expect(r.rows).to.deep.equal([[BigInt((i % 3) + 1)]]));
  });

  it('lets queries run during a large write and shows it all or nothing', async () => {
    await store.createDatabase(1, 'db');
    await store.applyBatch([{ dbId: 1, table: 't', rows: [row('t', { k: 'x' }, [field('v', 1)], 0n)] }], 1n);
    await Promise.all([store.query(1, 'SELECT 1'), store.query(1, 'SELECT 2')]);
    const big = Array.from({ length: 300_000 }, (_, i) => row('t', { k: `k${i % 10}` }, [field('v', i)], BigInt(i + 1)));
    let done = false;
    const write = store.applyBatch([{ dbId: 1, table: 't', rows: big }], 2n).then(() => {
      done = true;
    });
    const seen = new Set<bigint>();
    while (!done) seen.add((await store.query(1, 'SELECT count(*) FROM t')).rows[0]![0] as bigint);
    await write;
    for (const n of seen) expect([1n, 300_001n]).to.include(n);
    expect((await store.query(1, 'SELECT count(*) FROM t')).rows).to.deep.equal([[300_001n]]);
  });

  it('refuses work once closed', async () => {
    const closed = await openStore();
    await closed.close();
    const err = await closed.query(1, 'SELECT 1').catch((e: unknown) => e);
    expect(err).to.have.property('status', 503);
  });
});
