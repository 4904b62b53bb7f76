import { expect } from 'chai';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ReaderPool } from '../../../src/storage/duckdb/reader-pool.js';

// Connections that only count themselves; the pool never runs SQL on them here.
function fakeInstance(): { instance: DuckDBInstance; opened: () => number } {
  let n = 0;
  const instance = { connect: async () => ({ id: ++n, closeSync: () => undefined }) as unknown as DuckDBConnection };
  return { instance: instance as unknown as DuckDBInstance, opened: () => n };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('storage/duckdb/reader-pool (--max-concurrent-queries)', () => {
  it('runs at most `size` queries at once; the others wait in order', async () => {
    const { instance, opened } = fakeInstance();
    const pool = new ReaderPool(instance, 2);
    const releases: Array<() => void> = [];
    const started: number[] = [];
    const runs = [1, 2, 3, 4].map((q) =>
      pool.use(async () => {
        started.push(q);
        await new Promise<void>((resolve) => releases.push(resolve));
      }),
    );
    await tick();
    expect(started).to.deep.equal([1, 2]);
    releases.shift()!();
    await tick();
    expect(started).to.deep.equal([1, 2, 3]);
    for (let i = 0; i < 3; i++) {
      releases.shift()?.();
      await tick();
    }
    await Promise.all(runs);
    expect(started).to.deep.equal([1, 2, 3, 4]);
    expect(opened(), 'connections opened').to.equal(2);
    await pool.close();
  });
});
