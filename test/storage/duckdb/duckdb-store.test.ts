import { expect } from 'chai';
import { join } from 'node:path';
import type { DuckDbStore } from '../../../src/storage/duckdb/duckdb-store.js';
import { CPU_COLUMNS, field, openStore, row, tempDir } from './store-fixtures.js';

async function rows(store: DuckDbStore, dbId: number, sql: string): Promise<unknown[][]> {
  return (await store.query(dbId, sql)).rows;
}

describe('DuckDbStore', () => {
  describe('schema', () => {
    let store: DuckDbStore;
    beforeEach(async () => {
      store = await openStore();
      await store.createDatabase(1, 'foo');
    });
    afterEach(() => store.close());

    it('creates a table with the InfluxDB column types', async () => {
      await store.ensureTable(1, 'cpu', [
        { name: 'host', type: 'tag' },
        { name: 'i', type: 'int64' },
        { name: 'u', type: 'uint64' },
        { name: 'f', type: 'float64' },
        { name: 's', type: 'utf8' },
        { name: 'b', type: 'bool' },
        { name: 'time', type: 'time' },
      ]);
      const info = await store.withReader(async (conn) =>
        (await conn.runAndReadAll(`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'db_1' ORDER BY ordinal_position`)).getRows(),
      );
      expect(info).to.deep.equal([
        ['host', 'VARCHAR', 'YES'],
        ['i', 'BIGINT', 'YES'],
        ['u', 'UBIGINT', 'YES'],
        ['f', 'DOUBLE', 'YES'],
        ['s', 'VARCHAR', 'YES'],
        ['b', 'BOOLEAN', 'YES'],
        ['time', 'TIMESTAMP_NS', 'NO'],
      ]);
    });

    it('adds missing columns and keeps the physical order in the registry', async () => {
      await store.ensureTable(1, 'cpu', CPU_COLUMNS);
      const t = await store.ensureTable(1, 'cpu', [{ name: 'host', type: 'tag' }, { name: 'idle', type: 'float64' }, { name: 'dc', type: 'tag' }]);
      expect(t.columns.map((c) => `${c.name}:${c.type}`)).to.deep.equal(['host:tag', 'region:tag', 'usage:float64', 'time:time', 'idle:float64', 'dc:tag']);
      expect(store.tables(1)[0]!.columns).to.have.length(6);
    });

    it('refuses a type change and a name that differs only by case', async () => {
      await store.ensureTable(1, 'cpu', CPU_COLUMNS);
      const err1 = await store.ensureTable(1, 'cpu', [{ name: 'usage', type: 'int64' }]).catch((e: unknown) => e);
      expect(err1).to.have.property('status', 409);
      expect((err1 as Error).message).to.match(/usage.*DOUBLE.*int64/);
      const err2 = await store.ensureTable(1, 'CPU', CPU_COLUMNS).catch((e: unknown) => e);
      expect((err2 as Error).message).to.equal("table 'CPU' differs from existing table 'cpu' only by case");
      store.registry.dropTable(1, 'cpu');
      const err3 = await store.ensureTable(1, 'Cpu', CPU_COLUMNS).catch((e: unknown) => e);
      expect((err3 as Error).message).to.equal("table 'Cpu' differs from existing table 'cpu' only by case");
      const err4 = await store
        .applyBatch([{ dbId: 1, table: 'mem', rows: [row('mem', {}, [field('Free', 1), field('free', 2)], 1n)] }], 1n)
        .catch((e: unknown) => e);
      expect((err4 as Error).message).to.equal("column 'free' differs from column 'Free' only by case");
      expect(err4).to.have.property('status', 409);
    });

    it('handles names with quotes, spaces, dots and unicode', async () => {
      const table = 'my "odd".table ünï';
      await store.ensureTable(1, table, [{ name: 'tag "x"', type: 'tag' }, { name: 'v.1 é', type: 'float64' }, { name: 'time', type: 'time' }]);
      await store.applyBatch([{ dbId: 1, table, rows: [row(table, { 'tag "x"': 'a' }, [field('v.1 é', 1.5)], 7n)] }], 1n);
      expect(await rows(store, 1, `SELECT "tag ""x""", "v.1 é" FROM "my ""odd"".table ünï"`)).to.deep.equal([['a', 1.5]]);
    });

    it('drops tables and databases', async () => {
      await store.ensureTable(1, 'cpu', CPU_COLUMNS);
      await store.dropTable(1, 'cpu');
      expect(store.tables(1)).to.deep.equal([]);
      const err = await store.query(1, 'SELECT * FROM cpu').catch((e: Error) => e);
      expect((err as Error).message).to.contain("table 'public.iox.cpu' not found");
      await store.ensureTable(1, 'mem', CPU_COLUMNS);
      await store.dropDatabase(1);
      const schemas = await store.withReader(async (conn) => (await conn.runAndReadAll(`SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'db_1'`)).getRows());
      expect(schemas).to.deep.equal([[0n]]);
    });

    it('registerTable merges catalog types without reordering physical columns', async () => {
      await store.ensureTable(1, 'cpu', [{ name: 'usage', type: 'float64' }, { name: 'host', type: 'utf8' }, { name: 'time', type: 'time' }]);
      store.registerTable(1, 'foo', 'cpu', [{ name: 'host', type: 'tag' }, { name: 'time', type: 'time' }, { name: 'usage', type: 'float64' }]);
      expect(store.tables(1)[0]!.columns.map((c) => `${c.name}:${c.type}`)).to.deep.equal(['usage:float64', 'host:tag', 'time:time']);
      await store.applyBatch([{ dbId: 1, table: 'cpu', rows: [row('cpu', { host: 'a' }, [field('usage', 2)], 1n)] }], 1n);
      expect(await rows(store, 1, 'SELECT host, usage FROM cpu')).to.deep.equal([['a', 2]]);
    });
  });

  describe('applyBatch', () => {
    let store: DuckDbStore;
    beforeEach(async () => {
      store = await openStore();
      await store.createDatabase(1, 'foo');
    });
    afterEach(() => store.close());

    it('appends sparse rows of every type, absent columns as NULL', async () => {
      await store.applyBatch(
        [
          {
            dbId: 1,
            table: 'm',
            rows: [
              row('m', { t: 'x' }, [field('i', -9223372036854775808n), field('u', 18446744073709551615n, 'uint64'), field('f', 0.5), field('s', 'hello'), field('b', true)], 1n),
              row('m', {}, [field('s', 'a string much longer than twelve bytes')], 2n),
              row('m', { t: 'ÿ' }, [field('b', false)], -5n),
            ],
          },
        ],
        1n,
      );
      expect(await rows(store, 1, 'SELECT t, i, u, f, s, b, time FROM m ORDER BY time')).to.deep.equal([
        ['ÿ', null, null, null, null, false, -5n],
        ['x', -9223372036854775808n, 18446744073709551615n, 0.5, 'hello', true, 1n],
        [null, null, null, null, 'a string much longer than twelve bytes', null, 2n],
      ]);
      expect(store.tables(1)[0]!.columns.find((c) => c.name === 't')!.type).to.equal('tag');
    });

    it('writes string boundaries exactly and spans several chunks', async () => {
      const values = ['', 'a', 'twelve bytes', 'thirteen byte', 'ééééé€', 'ééééé€x', '日本語のタグ値', 'emoji 🎉 here', "quote ' and \" and \\"];
      const many = Array.from({ length: 5000 }, (_, i) => row('s', { v: values[i % values.length]! }, i % 3 === 0 ? [] : [field('n', BigInt(i))], BigInt(i)));
      await store.applyBatch([{ dbId: 1, table: 's', rows: many }], 1n);
      const got = await rows(store, 1, 'SELECT v, n, time FROM s ORDER BY time');
      expect(got).to.have.length(5000);
      got.forEach(([v, n, time], i) => {
        expect(v).to.equal(values[i % values.length]);
        expect(n).to.equal(i % 3 === 0 ? null : BigInt(i));
        expect(time).to.equal(BigInt(i));
      });
    });

    it('stores a value of the wrong type as NULL instead of failing the batch', async () => {
      await store.ensureTable(1, 'cpu', CPU_COLUMNS);
      await store.applyBatch([{ dbId: 1, table: 'cpu', rows: [row('cpu', {}, [field('usage', 'oops')], 1n), row('cpu', {}, [field('usage', 3n)], 2n)] }], 1n);
      expect(await rows(store, 1, 'SELECT usage FROM cpu ORDER BY time')).to.deep.equal([[null], [3]]);
    });

    it('records the WAL sequence and skips batches already applied', async () => {
      expect(await store.appliedSeq()).to.equal(0n);
      expect(await store.applyBatch([{ dbId: 1, table: 'cpu', rows: [row('cpu', { host: 'a' }, [field('usage', 1)], 1n)] }], 5n)).to.equal(true);
      expect(await store.appliedSeq()).to.equal(5n);
      expect(await store.applyBatch([{ dbId: 1, table: 'cpu', rows: [row('cpu', { host: 'a' }, [field('usage', 1)], 2n)] }], 5n)).to.equal(false);
      expect(await rows(store, 1, 'SELECT count(*) FROM cpu')).to.deep.equal([[1n]]);
    });

    it('adds columns that appear in a later batch and writes the batch once', async () => {
      await store.applyBatch([{ dbId: 1, table: 'cpu', rows: [row('cpu', { host: 'a' }, [field('usage', 1)], 1n)] }], 1n);
      expect(store.tables(1)[0]!.physical).to.equal(true);
      await store.applyBatch(
        [{ dbId: 1, table: 'cpu', rows: [row('cpu', { host: 'a' }, [field('usage', 2)], 2n), row('cpu', { host: 'b', dc: 'x' }, [field('idle', 3n)], 3n)] }],
        2n,
      );
      expect(await store.appliedSeq()).to.equal(2n);
      expect(store.tables(1)[0]!.columns.map((c) => `${c.name}:${c.type}`)).to.deep.equal(['host:tag', 'usage:float64', 'time:time', 'dc:tag', 'idle:int64']);
      expect(await rows(store, 1, 'SELECT host, usage, dc, idle FROM cpu ORDER BY time')).to.deep.equal([
        ['a', 1, null, null],
        ['a', 2, null, null],
        ['b', null, 'x', 3n],
      ]);
    });

    it('merges groups of the same table and writes several tables in one batch', async () => {
      await store.applyBatch(
        [
          { dbId: 1, table: 'a', rows: [row('a', {}, [field('v', 1)], 1n)] },
          { dbId: 1, table: 'b', rows: [row('b', {}, [field('v', 2)], 1n)] },
          { dbId: 1, table: 'a', rows: [row('a', {}, [field('v', 3)], 2n)] },
        ],
        1n,
      );
      expect(await rows(store, 1, 'SELECT sum(v) FROM a')).to.deep.equal([[4]]);
      expect(await rows(store, 1, 'SELECT sum(v) FROM b')).to.deep.equal([[2]]);
    });

    it('deletes rows older than a cutoff', async () => {
      await store.applyBatch([{ dbId: 1, table: 'cpu', rows: [1n, 2n, 3n, 4n].map((t) => row('cpu', {}, [field('usage', 1)], t * 1_000_000_000n)) }], 1n);
      expect(await store.deleteBefore(1, 'cpu', 3_000_000_000n)).to.equal(2);
      expect(await rows(store, 1, 'SELECT count(*) FROM cpu')).to.deep.equal([[2n]]);
    });
  });

  describe('on disk', () => {
    it('keeps data and the applied sequence consistent across close and reopen', async () => {
      const { dir, cleanup } = tempDir();
      try {
        const path = join(dir, 'engine.duckdb');
        let store = await openStore(path);
        await store.createDatabase(3, 'bar');
        await store.applyBatch([{ dbId: 3, table: 'cpu', rows: [row('cpu', { host: 'a' }, [field('usage', 0.25)], 10n)] }], 41n);
        await store.applyBatch([{ dbId: 3, table: 'cpu', rows: [row('cpu', { host: 'b' }, [field('usage', 0.5)], 11n)] }], 42n);
        await store.close();

        store = await openStore(path);
        expect(await store.appliedSeq()).to.equal(42n);
        store.registerTable(3, 'bar', 'cpu', CPU_COLUMNS.filter((c) => c.name !== 'region'));
        const result = await store.query(3, 'SELECT host, usage, time FROM cpu ORDER BY time');
        expect(result.rows).to.deep.equal([['a', 0.25, 10n], ['b', 0.5, 11n]]);
        expect(result.columns[0]).to.deep.equal({ name: 'host', type: 'Dictionary(Int32, Utf8)' });
        // A batch that fails half-way leaves neither its rows nor its sequence behind.
        const bad = { ...row('cpu', {}, [field('usage', 1)], 0n), time: 12 as unknown as bigint };
        const err = await store
          .applyBatch([{ dbId: 3, table: 'cpu', rows: [row('cpu', {}, [field('usage', 1)], 12n)] }, { dbId: 3, table: 'other', rows: [bad] }], 43n)
          .catch((e: unknown) => e);
        expect(err).to.have.property('code', 'storage_write_failed');
        expect(await store.appliedSeq()).to.equal(42n);
        await store.applyBatch([{ dbId: 3, table: 'cpu', rows: [row('cpu', {}, [field('usage', 1)], 13n)] }], 43n);
        await store.close();

        store = await openStore(path);
        expect(await store.appliedSeq()).to.equal(43n);
        expect((await store.query(3, 'SELECT count(*) FROM cpu')).rows).to.deep.equal([[3n]]);
        await store.close();
      } finally {
        cleanup();
      }
    });
  });
});
