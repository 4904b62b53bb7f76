import { expect } from 'chai';
import fc from 'fast-check';
import { join } from 'node:path';
import type { DuckDbStore } from '../../../src/storage/duckdb/duckdb-store.js';
import { dedupePoints, mergeRows, seriesKey } from '../../../src/storage/duckdb/point-dedup.js';
import type { WriteRow } from '../../../src/storage/types.js';
import { field, openStore, row, tempDir } from './store-fixtures.js';

// Rows of a table as plain objects (NULL columns left out), ordered for comparison.
async function points(store: DuckDbStore, table: string, order = 'time, host'): Promise<Array<Record<string, unknown>>> {
  const res = await store.withReader(async (conn) => (await conn.runAndReadAll(`SELECT * FROM db_1."${table}" ORDER BY ${order}`)).getRowObjectsJS());
  return res.map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) {
      if (v === null) continue;
      out[k] = v instanceof Date ? undefined : v;
    }
    return out;
  });
}

async function count(store: DuckDbStore, table: string): Promise<number> {
  const res = await store.withReader(async (conn) => (await conn.runAndReadAll(`SELECT count(*) FROM db_1."${table}"`)).getRows());
  return Number(res[0]![0]);
}

async function times(store: DuckDbStore, table: string): Promise<bigint[]> {
  const res = await store.withReader(async (conn) => (await conn.runAndReadAll(`SELECT CAST(epoch_ns(time) AS BIGINT) FROM db_1."${table}" ORDER BY 1`)).getRows());
  return res.map((r) => r[0] as bigint);
}

const m = (tags: Record<string, string>, fields: ReturnType<typeof field>[], time: bigint): WriteRow => row('m', tags, fields, time);

describe('point deduplication', () => {
  describe('dedupePoints (one batch)', () => {
    it('returns the rows untouched when every series moves forward in time', () => {
      const rows = [m({ host: 'a' }, [field('v', 1)], 1n), m({ host: 'b' }, [field('v', 2)], 1n), m({ host: 'a' }, [field('v', 3)], 2n)];
      const out = dedupePoints({ dbId: 1, table: 'm', rows });
      expect(out.rows).to.equal(rows);
      expect(out).to.include({ minTime: 1n, maxTime: 2n, folded: 0 });
    });

    it('merges a point written twice: later fields win, missing fields are kept, first position kept', () => {
      const first = m({ host: 'a' }, [field('v', 1), field('w', 1)], 5n);
      const rows = [first, m({ host: 'b' }, [field('v', 9)], 5n), m({ host: 'a' }, [field('w', 2), field('x', 3)], 5n)];
      const out = dedupePoints({ dbId: 1, table: 'm', rows });
      expect(out.folded).to.equal(1);
      expect(out.rows.map((r) => [r.tags, r.fields.map((f) => `${f.key}=${String(f.value)}`)])).to.deep.equal([
        [[['host', 'a']], ['v=1', 'w=2', 'x=3']],
        [[['host', 'b']], ['v=9']],
      ]);
      expect(first.fields).to.have.length(2); // input rows are shared with the flush buffer: never mutated
    });

    it('finds duplicates among out-of-order rows and tags in any order, but keeps distinct points', () => {
      const rows = [
        m({ host: 'a', dc: 'x' }, [field('v', 1)], 3n),
        m({ host: 'a', dc: 'x' }, [field('v', 2)], 1n),
        m({ dc: 'x', host: 'a' }, [field('v', 3)], 3n),
        m({ host: 'a' }, [field('v', 4)], 3n),
        m({ host: 'a', dc: 'x' }, [field('v', 5)], 2n),
      ];
      const out = dedupePoints({ dbId: 1, table: 'm', rows });
      expect(out.folded).to.equal(1);
      expect(out.rows.map((r) => `${r.time}:${String(r.fields[0]!.value)}`)).to.deep.equal(['3:3', '1:2', '3:4', '2:5']);
      expect(out).to.include({ minTime: 1n, maxTime: 3n });
    });

    it('clears series whose batches arrive out of order without copying the rows', () => {
      const body = (from: number): WriteRow[] => Array.from({ length: 30 }, (_, i) => m({ host: `h${i % 3}` }, [field('v', from + i)], BigInt(from + i)));
      const rows = [...body(100), ...body(0), ...body(200), ...body(50)];
      const out = dedupePoints({ dbId: 1, table: 'm', rows });
      expect(out.rows).to.equal(rows);
      expect(out).to.include({ minTime: 0n, maxTime: 229n, folded: 0 });
      const again = dedupePoints({ dbId: 1, table: 'm', rows: [...rows, m({ host: 'h1' }, [field('w', 1)], 54n)] });
      expect(again.folded).to.equal(1);
      expect(again.rows).to.have.length(rows.length);
    });

    it('agrees with merging the rows one by one (property)', () => {
      const tagSets: Array<Record<string, string>> = [{}, { host: 'a' }, { host: 'b' }, { host: 'a', dc: 'x' }, { dc: 'x', host: 'a' }];
      const arbRow = fc.record({
        tags: fc.integer({ min: 0, max: tagSets.length - 1 }),
        time: fc.integer({ min: 0, max: 6 }),
        fields: fc.uniqueArray(fc.constantFrom('f', 'g', 'h'), { minLength: 1, maxLength: 3 }),
        value: fc.integer(),
      });
      fc.assert(
        fc.property(fc.array(arbRow, { maxLength: 150 }), (spec) => {
          const rows = spec.map((r) => m(tagSets[r.tags]!, r.fields.map((f) => field(f, r.value)), BigInt(r.time)));
          // Reference: a point's merged row takes the place of its first row.
          const order: string[] = [];
          const byPoint = new Map<string, Map<string, unknown>>();
          for (const r of rows) {
            const key = `${JSON.stringify(Object.fromEntries([...r.tags].sort()))}@${r.time}`;
            if (!byPoint.has(key)) {
              order.push(key);
              byPoint.set(key, new Map());
            }
            for (const f of r.fields) byPoint.get(key)!.set(f.key, f.value);
          }
          const expected = order.map((k) => `${k}:${JSON.stringify([...byPoint.get(k)!])}`);
          const out = dedupePoints({ dbId: 1, table: 'm', rows });
          const actual = out.rows.map((r) => `${JSON.stringify(Object.fromEntries([...r.tags].sort()))}@${r.time}:${JSON.stringify(r.fields.map((f) => [f.key, f.value]))}`);
          expect(actual).to.deep.equal(expected);
          expect(out.folded).to.equal(rows.length - order.length);
          if (rows.length > 0) {
            const ts = rows.map((r) => r.time);
            expect(out.minTime).to.equal(ts.reduce((a, b) => (b < a ? b : a)));
            expect(out.maxTime).to.equal(ts.reduce((a, b) => (b > a ? b : a)));
          }
        }),
        { numRuns: 500 },
      );
    });

    it('builds unambiguous, order-independent series keys', () => {
      expect(seriesKey([['a', 'b'], ['c', 'd']])).to.equal(seriesKey([['c', 'd'], ['a', 'b']]));
      expect(seriesKey([['a', 'b,c=d']])).to.not.equal(seriesKey([['a', 'b'], ['c', 'd']]));
      expect(seriesKey([['a', '1:x']])).to.not.equal(seriesKey([['a', '1'], ['x', '']]));
      expect(seriesKey([])).to.equal('');
      expect(mergeRows(m({}, [field('v', 1)], 1n), m({}, [field('v', 2)], 1n)).fields[0]!.value).to.equal(2);
    });
  });

  describe('DuckDbStore.applyBatch', () => {
    let store: DuckDbStore;
    let seq = 0n;
    const apply = (rows: WriteRow[], table = 'm'): Promise<boolean> => store.applyBatch([{ dbId: 1, table, rows }], ++seq);

    beforeEach(async () => {
      store = await openStore();
      await store.createDatabase(1, 'foo');
      seq = 0n;
    });
    afterEach(() => store.close());

    it('keeps one row with the last value when the same point is written twice', async () => {
      await apply([m({ host: 'a' }, [field('v', 1)], 1000n)]);
      await apply([m({ host: 'a' }, [field('v', 2)], 1000n)]);
      expect(await points(store, 'm')).to.deep.equal([{ host: 'a', v: 2, time: undefined }]);
    });

    it('merges a partial overwrite with the fields already stored', async () => {
      await apply([m({ host: 'a' }, [field('v', 1)], 1000n)]);
      await apply([m({ host: 'a' }, [field('w', 2)], 1000n)]);
      expect(await points(store, 'm')).to.deep.equal([{ host: 'a', v: 1, w: 2, time: undefined }]);
      await apply([m({ host: 'a' }, [field('v', 3)], 1000n)]);
      expect(await points(store, 'm')).to.deep.equal([{ host: 'a', v: 3, w: 2, time: undefined }]);
    });

    it('merges fields of every type', async () => {
      const fields = [field('i', 1n), field('u', 2n, 'uint64'), field('f', 1.5), field('s', 'x'), field('b', true)];
      await apply([m({ host: 'a' }, fields, 7n)]);
      await apply([m({ host: 'a' }, [field('s', 'y'), field('b', false)], 7n)]);
      await apply([m({ host: 'a' }, [field('i', -5n)], 7n)]);
      expect(await points(store, 'm')).to.deep.equal([{ host: 'a', i: -5n, u: 2n, f: 1.5, s: 'y', b: false, time: undefined }]);
    });

    it('keeps points with other tag values or other times apart', async () => {
      await apply([m({ host: 'a' }, [field('v', 1)], 1000n), m({ host: 'b' }, [field('v', 2)], 1000n)]);
      await apply([m({ host: 'a' }, [field('v', 3)], 1001n), m({ host: 'c' }, [field('v', 4)], 1000n), m({ host: 'b' }, [field('v', 5)], 1000n)]);
      expect(await points(store, 'm')).to.deep.equal([
        { host: 'a', v: 1, time: undefined },
        { host: 'b', v: 5, time: undefined },
        { host: 'c', v: 4, time: undefined },
        { host: 'a', v: 3, time: undefined },
      ]);
    });

    it('treats a missing tag as part of the key, also for a tag column added later', async () => {
      await apply([m({}, [field('v', 1)], 1000n), m({ host: 'a' }, [field('v', 2)], 1000n)]);
      await apply([m({ host: 'a', dc: 'x' }, [field('v', 3)], 1000n)]);
      await apply([m({}, [field('v', 4)], 1000n), m({ host: 'a' }, [field('w', 5)], 1000n)]);
      expect(await points(store, 'm', 'host NULLS FIRST, dc NULLS FIRST')).to.deep.equal([
        { v: 4, time: undefined },
        { host: 'a', v: 2, w: 5, time: undefined },
        { host: 'a', dc: 'x', v: 3, time: undefined },
      ]);
    });

    it('merges duplicates within one batch, also next to stored points', async () => {
      await apply([m({ host: 'a' }, [field('v', 1), field('w', 1)], 2n)]);
      await apply([
        m({ host: 'a' }, [field('v', 2)], 2n),
        m({ host: 'b' }, [field('v', 3)], 2n),
        m({ host: 'a' }, [field('v', 4)], 2n),
        m({ host: 'b' }, [field('w', 5)], 2n),
        m({ host: 'a' }, [field('v', 6)], 3n),
      ]);
      expect(await points(store, 'm')).to.deep.equal([
        { host: 'a', v: 4, w: 1, time: undefined },
        { host: 'b', v: 3, w: 5, time: undefined },
        { host: 'a', v: 6, time: undefined },
      ]);
    });

    it('applies several groups of the same table in order', async () => {
      await store.applyBatch(
        [
          { dbId: 1, table: 'm', rows: [m({ host: 'a' }, [field('v', 1)], 9n)] },
          { dbId: 1, table: 'other', rows: [row('other', {}, [field('v', 1)], 9n)] },
          { dbId: 1, table: 'm', rows: [m({ host: 'a' }, [field('v', 2)], 9n)] },
        ],
        ++seq,
      );
      expect(await points(store, 'm')).to.deep.equal([{ host: 'a', v: 2, time: undefined }]);
    });

    it('appends a backfill that overlaps stored times without touching the stored points', async () => {
      await apply([m({ host: 'a' }, [field('v', 1)], 10n), m({ host: 'a' }, [field('v', 3)], 30n)]);
      await apply([m({ host: 'a' }, [field('v', 2)], 20n), m({ host: 'b' }, [field('v', 9)], 30n)]);
      expect(await times(store, 'm')).to.deep.equal([10n, 20n, 30n, 30n]);
      expect(await count(store, 'm')).to.equal(4);
    });

    it('never re-applies a batch at or below the applied sequence (replay stays exactly-once)', async () => {
      await store.applyBatch([{ dbId: 1, table: 'm', rows: [m({ host: 'a' }, [field('v', 1), field('w', 1)], 5n)] }], 1n);
      await store.applyBatch([{ dbId: 1, table: 'm', rows: [m({ host: 'a' }, [field('v', 2)], 5n)] }], 2n);
      expect(await store.applyBatch([{ dbId: 1, table: 'm', rows: [m({ host: 'a' }, [field('v', 1), field('w', 1)], 5n)] }], 1n)).to.equal(false);
      expect(await store.applyBatch([{ dbId: 1, table: 'm', rows: [m({ host: 'a' }, [field('v', 2)], 5n)] }], 2n)).to.equal(false);
      expect(await points(store, 'm')).to.deep.equal([{ host: 'a', v: 2, w: 1, time: undefined }]);
    });

    it('writes a point again after retention deleted it, and after the table was dropped', async () => {
      await apply([m({ host: 'a' }, [field('v', 1)], 100n), m({ host: 'a' }, [field('v', 2)], 200n)]);
      expect(await store.deleteBefore(1, 'm', 1000n)).to.equal(2);
      await apply([m({ host: 'a' }, [field('w', 3)], 100n)]);
      await apply([m({ host: 'a' }, [field('w', 4)], 100n)]);
      expect(await points(store, 'm')).to.deep.equal([{ host: 'a', w: 4, time: undefined }]);
      expect(await store.deleteBefore(1, 'm', 150n)).to.equal(1);
      await apply([m({ host: 'a' }, [field('v', 5)], 150n)]);
      await apply([m({ host: 'a' }, [field('v', 6)], 150n)]);
      expect(await points(store, 'm')).to.deep.equal([{ host: 'a', v: 6, time: undefined }]);
      await store.dropTable(1, 'm');
      await apply([m({ host: 'a' }, [field('v', 7)], 150n)]);
      await apply([m({ host: 'a' }, [field('v', 8)], 150n)]);
      expect(await points(store, 'm')).to.deep.equal([{ host: 'a', v: 8, time: undefined }]);
    });

    it('overwrites a subset of many series', async () => {
      const series = 500;
      const batch = (t: bigint, pick: (i: number) => boolean, value: (i: number) => number): WriteRow[] =>
        Array.from({ length: series }, (_, i) => i)
          .filter(pick)
          .map((i) => m({ host: `h${i}`, region: `r${i % 7}` }, [field('v', value(i))], t));
      for (let t = 1n; t <= 4n; t++) await apply(batch(t, () => true, (i) => i));
      // A later batch rewrites every 10th series at t=2 and t=4 and adds t=5.
      await apply([...batch(2n, (i) => i % 10 === 0, (i) => -i), ...batch(4n, (i) => i % 10 === 0, (i) => -i), ...batch(5n, () => true, (i) => i)]);
      expect(await count(store, 'm')).to.equal(series * 5);
      const res = await store.withReader(async (conn) =>
        (
          await conn.runAndReadAll(
            `SELECT count(*) FILTER (WHERE v < 0), count(DISTINCT (host, region, time)), sum(v) FILTER (WHERE CAST(epoch_ns(time) AS BIGINT) = 2) FROM db_1.m`,
          )
        ).getRows()[0]!,
      );
      const rewritten = Array.from({ length: series }, (_, i) => i).filter((i) => i % 10 === 0);
      const total = (series * (series - 1)) / 2;
      expect(res).to.deep.equal([BigInt(rewritten.length * 2 - 2), BigInt(series * 5), total - 2 * rewritten.reduce((a, b) => a + b, 0)]);
    });

    it('keeps rows apart in a table with a column named rowid (documented limit) instead of merging wrongly', async () => {
      await apply([m({ host: 'a' }, [field('rowid', 1)], 1n)]);
      await apply([m({ host: 'a' }, [field('rowid', 2)], 1n)]);
      expect(await count(store, 'm')).to.equal(2);
    });
  });

  describe('on disk', () => {
    it('keeps one row across close and reopen, and replays nothing twice', async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, 'store.duckdb');
      try {
        let store = await openStore(path);
        await store.createDatabase(1, 'foo');
        await store.applyBatch([{ dbId: 1, table: 'm', rows: [m({ host: 'a' }, [field('v', 1)], 5n)] }], 1n);
        await store.applyBatch([{ dbId: 1, table: 'm', rows: [m({ host: 'a' }, [field('w', 2)], 5n)] }], 2n);
        await store.close();
        store = await openStore(path);
        await store.ensureTable(1, 'm', [{ name: 'host', type: 'tag' }, { name: 'v', type: 'float64' }, { name: 'w', type: 'float64' }, { name: 'time', type: 'time' }]);
        expect(await store.applyBatch([{ dbId: 1, table: 'm', rows: [m({ host: 'a' }, [field('w', 2)], 5n)] }], 2n)).to.equal(false);
        await store.applyBatch([{ dbId: 1, table: 'm', rows: [m({ host: 'a' }, [field('v', 3)], 5n)] }], 3n);
        expect(await points(store, 'm')).to.deep.equal([{ host: 'a', v: 3, w: 2, time: undefined }]);
        await store.close();
      } finally {
        cleanup();
      }
    });
  });
});
