import { expect } from 'chai';
import { DuckDBInstance } from '@duckdb/node-api';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDbStore } from '../../../src/storage/duckdb/duckdb-store.js';
import type { SystemTableProvider } from '../../../src/storage/query/system-tables.js';
import { CPU_COLUMNS, field, openStore, row, tempDir } from '../duckdb/store-fixtures.js';

const S = 1_000_000_000n;

const systemTables: SystemTableProvider = (db, table) => {
  if (table === 'queries') {
    return {
      columns: [
        { name: 'database', type: 'Utf8' },
        { name: 'count', type: 'Int64' },
        { name: 'ok', type: 'Boolean' },
        { name: 'at', type: 'Timestamp(Nanosecond, None)' },
      ],
      rows: [[db, 7n, true, 5n], [db, null, false, null]],
    };
  }
  if (table === 'processing_engine_triggers') {
    return { columns: [{ name: 'trigger_name', type: 'Utf8' }], rows: [['t1']] };
  }
  return undefined;
};

async function errorOf(p: Promise<unknown>): Promise<Error & { status?: number; code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { status?: number; code?: string };
  }
  throw new Error('expected the query to fail');
}

describe('QueryEngine (through DuckDbStore.query)', () => {
  let store: DuckDbStore;
  const q = (sql: string, params?: Record<string, string | number | boolean | null>) => store.query(1, sql, params);
  const rows = async (sql: string, params?: Record<string, string | number | boolean | null>) => (await q(sql, params)).rows;

  before(async () => {
    store = await openStore(':memory:', { systemTables, systemTableNames: () => ['processing_engine_triggers', 'queries'] });
    await store.createDatabase(1, 'foo');
    await store.createDatabase(2, 'bar');
    await store.ensureTable(1, 'cpu', CPU_COLUMNS);
    await store.applyBatch(
      [
        {
          dbId: 1,
          table: 'cpu',
          rows: [
            row('cpu', { host: 'a', region: 'us' }, [field('usage', 0.5)], 1n * S),
            row('cpu', { host: 'a', region: 'us' }, [field('usage', 0.7)], 2n * S),
            row('cpu', { host: 'b', region: 'eu' }, [field('usage', 0.9)], 3n * S),
            row('cpu', { host: 'b', region: 'eu' }, [], 4n * S),
          ],
        },
        { dbId: 2, table: 'mem', rows: [row('mem', { host: 'z' }, [field('free', 1n)], 1n)] },
      ],
      1n,
    );
  });
  after(() => store.close());

  describe('results', () => {
    it('types tags as dictionaries and returns bigint nanosecond times', async () => {
      const r = await q('SELECT * FROM cpu ORDER BY time');
      expect(r.columns).to.deep.equal([
        { name: 'host', type: 'Dictionary(Int32, Utf8)' },
        { name: 'region', type: 'Dictionary(Int32, Utf8)' },
        { name: 'usage', type: 'Float64' },
        { name: 'time', type: 'Timestamp(Nanosecond, None)' },
      ]);
      expect(r.rows[0]).to.deep.equal(['a', 'us', 0.5, 1n * S]);
      expect(r.rows[3]).to.deep.equal(['b', 'eu', null, 4n * S]);
    });

    it('keeps expressions over tags as plain strings and names count(*) like DataFusion', async () => {
      const r = await q('SELECT upper(host) AS h, count(*) FROM cpu GROUP BY 1 ORDER BY 1');
      expect(r.columns).to.deep.equal([{ name: 'h', type: 'Utf8' }, { name: 'count(*)', type: 'Int64' }]);
      expect(r.rows).to.deep.equal([['A', 2n], ['B', 2n]]);
    });

    it('sees only its own database', async () => {
      expect((await store.query(2, 'SELECT host, free FROM mem')).rows).to.deep.equal([['z', 1n]]);
      const err = await errorOf(store.query(2, 'SELECT * FROM cpu'));
      expect(err.message).to.equal("error while planning query: Error during planning: table 'public.iox.cpu' not found");
      expect((await errorOf(q('SELECT * FROM db_2.mem'))).message).to.contain("table 'public.db_2.mem' not found");
    });

    it('refuses functions that reach other databases, the catalog or files', async () => {
      for (const sql of [
        "SELECT * FROM query_table('db_2.mem')",
        "SELECT * FROM query('SELECT * FROM db_2.mem')",
        'SELECT * FROM duckdb_tables()',
        'SELECT * FROM "duckdb_columns"()',
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT getenv('HOME')",
      ]) {
        const err = await errorOf(q(sql));
        expect(err.message, sql).to.match(/function .+\(\) is not available: queries read only their own database/);
      }
    });
  });

  describe('parameters', () => {
    it('binds strings and lets DuckDB cast them', async () => {
      expect(await rows('SELECT usage FROM cpu WHERE host = $host ORDER BY time', { host: 'a' })).to.deep.equal([[0.5], [0.7]]);
      expect(await rows('SELECT host FROM cpu WHERE usage > $min', { min: '0.8' })).to.deep.equal([['b']]);
      expect(await rows("SELECT count(*) FROM cpu WHERE time >= $t", { t: '1970-01-01T00:00:03Z' })).to.deep.equal([[2n]]);
      expect(await rows('SELECT host FROM cpu WHERE usage > $min AND host = $h', { min: 0.6, h: 'a' })).to.deep.equal([['a']]);
      expect(await rows('SELECT $flag AS f, $n AS n', { flag: true, n: null })).to.deep.equal([[true, null]]);
    });

    it('names a missing parameter like DataFusion', async () => {
      const err = await errorOf(q('SELECT * FROM cpu WHERE host = $host', { not_host: 'a' }));
      expect(err.message).to.equal('No value found for placeholder with name $host');
      expect(err.status).to.equal(400);
    });
  });

  describe('DataFusion functions', () => {
    it('now() is a TIMESTAMP_NS that compares with time', async () => {
      const r = await q('SELECT now() AS n, count(*) AS c FROM cpu WHERE time < now()');
      expect(r.columns[0]).to.deep.equal({ name: 'n', type: 'Timestamp(Nanosecond, None)' });
      expect(r.rows[0]![1]).to.equal(4n);
      const now = BigInt(Date.now()) * 1_000_000n;
      expect(Number((r.rows[0]![0] as bigint) - now)).to.be.lessThan(60e9);
    });

    it('date_bin bins to nanoseconds, with or without origin, before the epoch too', async () => {
      const r = await q("SELECT date_bin(INTERVAL '2 seconds', time) AS b, count(*) AS c FROM cpu GROUP BY 1 ORDER BY 1");
      expect(r.columns[0]!.type).to.equal('Timestamp(Nanosecond, None)');
      expect(r.rows).to.deep.equal([[0n, 1n], [2n * S, 2n], [4n * S, 1n]]);
      expect(await rows("SELECT date_bin(INTERVAL '2 seconds', time, TIMESTAMP '1970-01-01 00:00:01') FROM cpu WHERE host = 'a' ORDER BY 1")).to.deep.equal([[1n * S], [1n * S]]);
      expect(await rows("SELECT date_bin(INTERVAL '1 minute', TIMESTAMP_NS '1969-12-31 23:59:30.000000001')")).to.deep.equal([[-60n * S]]);
      expect(await rows("SELECT date_bin(INTERVAL '1 second', TIMESTAMP_NS '2024-01-01 00:00:00.123456789')")).to.deep.equal([[1704067200n * S]]);
    });

    it('to_timestamp and its unit variants', async () => {
      const r = await q(
        "SELECT to_timestamp(1) a, to_timestamp(1.5) b, to_timestamp('2024-01-01T00:00:00.123456789Z') c, to_timestamp_nanos(5) d, to_timestamp_micros(5) e, to_timestamp_millis(5) f, to_timestamp_seconds(5) g, to_timestamp_nanos('1970-01-01T00:00:01+01:00') h",
      );
      expect(r.columns.map((c) => c.type)).to.deep.equal([
        'Timestamp(Nanosecond, None)', 'Timestamp(Nanosecond, None)', 'Timestamp(Nanosecond, None)', 'Timestamp(Nanosecond, None)',
        'Timestamp(Microsecond, None)', 'Timestamp(Millisecond, None)', 'Timestamp(Second, None)', 'Timestamp(Nanosecond, None)',
      ]);
      expect(r.rows[0]).to.deep.equal([S, 1_500_000_000n, 1704067200123456789n, 5n, 5000n, 5_000_000n, 5n * S, -3599n * S]);
    });

    it('arrow_cast to the common Arrow types', async () => {
      const r = await q(
        "SELECT arrow_cast(usage, 'Int64') i, arrow_cast(time, 'Int64') t, arrow_cast(usage, 'Utf8') s, arrow_cast('12', 'UInt64') u, arrow_cast(1, 'Float64') f, arrow_cast('true', 'Boolean') b, arrow_cast(5000000000, 'Timestamp(Nanosecond, None)') ts FROM cpu WHERE time = to_timestamp(3)",
      );
      expect(r.columns.map((c) => c.type)).to.deep.equal(['Int64', 'Int64', 'Utf8', 'UInt64', 'Float64', 'Boolean', 'Timestamp(Nanosecond, None)']);
      expect(r.rows).to.deep.equal([[0n, 3n * S, '0.9', 12n, 1, true, 5n * S]]);
      expect((await errorOf(q("SELECT arrow_cast(1, 'NotAType')"))).message).to.contain("Unsupported type 'NotAType'");
    });

    it('approx_percentile_cont and the selector functions', async () => {
      expect(await rows('SELECT approx_percentile_cont(usage, 0.5) FROM cpu')).to.deep.equal([[0.7]]);
      const r = await q('SELECT selector_last(usage, time) l, selector_first(usage, time) f, selector_max(usage, time) mx, selector_min(usage, time) mn FROM cpu');
      expect(r.columns[0]!.type).to.equal('Struct(value Float64, time Timestamp(Nanosecond, None))');
      expect(r.rows[0]).to.deep.equal([
        { value: 0.9, time: 3n * S },
        { value: 0.5, time: 1n * S },
        { value: 0.9, time: 3n * S },
        { value: 0.5, time: 1n * S },
      ]);
      expect(await rows("SELECT host, selector_last(usage, time)['value'] AS v FROM cpu GROUP BY host ORDER BY host")).to.deep.equal([['a', 0.7], ['b', 0.9]]);
    });
  });

  describe('catalog rewrites', () => {
    it('SHOW TABLES lists user, system and information_schema tables like InfluxDB 3', async () => {
      const r = await q('SHOW TABLES');
      expect(r.columns.map((c) => c.name)).to.deep.equal(['table_catalog', 'table_schema', 'table_name', 'table_type']);
      expect(r.rows).to.deep.equal([
        ['public', 'iox', 'cpu', 'BASE TABLE'],
        ['public', 'system', 'processing_engine_triggers', 'BASE TABLE'],
        ['public', 'system', 'queries', 'BASE TABLE'],
        ['public', 'information_schema', 'tables', 'VIEW'],
        ['public', 'information_schema', 'views', 'VIEW'],
        ['public', 'information_schema', 'columns', 'VIEW'],
        ['public', 'information_schema', 'df_settings', 'VIEW'],
        ['public', 'information_schema', 'schemata', 'VIEW'],
      ]);
      expect(await rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'iox'")).to.deep.equal([['cpu']]);
    });

    it('information_schema.columns, SHOW COLUMNS and DESCRIBE report Arrow types', async () => {
      const expected = [
        ['public', 'iox', 'cpu', 'host', 'Dictionary(Int32, Utf8)', 'YES'],
        ['public', 'iox', 'cpu', 'region', 'Dictionary(Int32, Utf8)', 'YES'],
        ['public', 'iox', 'cpu', 'usage', 'Float64', 'YES'],
        ['public', 'iox', 'cpu', 'time', 'Timestamp(Nanosecond, None)', 'NO'],
      ];
      expect(
        await rows("SELECT table_catalog, table_schema, table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'cpu'"),
      ).to.deep.equal(expected);
      const show = await q('SHOW COLUMNS FROM cpu');
      expect(show.columns.map((c) => c.name)).to.deep.equal(['table_catalog', 'table_schema', 'table_name', 'column_name', 'data_type', 'is_nullable']);
      expect(show.rows).to.deep.equal(expected);
      expect((await q('SHOW COLUMNS IN cpu')).rows).to.deep.equal(expected);
      expect(await rows('DESCRIBE cpu')).to.deep.equal(expected.map((r) => r.slice(3)));
      expect((await errorOf(q('SHOW COLUMNS FROM nope'))).message).to.equal(
        'error while planning query: Error during planning: Unknown relation for SHOW COLUMNS: nope',
      );
    });

    it('system.<table> comes from the provider, quoted or not, joined with user tables', async () => {
      const r = await q('SELECT * FROM system.queries');
      expect(r.columns).to.deep.equal([
        { name: 'database', type: 'Utf8' },
        { name: 'count', type: 'Int64' },
        { name: 'ok', type: 'Boolean' },
        { name: 'at', type: 'Timestamp(Nanosecond, None)' },
      ]);
      expect(r.rows).to.deep.equal([['foo', 7n, true, 5n], ['foo', null, false, null]]);
      expect(await rows('SELECT q.count FROM "system"."queries" q WHERE q.ok')).to.deep.equal([[7n]]);
      expect(await rows('SELECT queries.ok FROM system . queries WHERE queries.count = 7')).to.deep.equal([[true]]);
      expect(await rows('SELECT count(*) FROM cpu, system.processing_engine_triggers t WHERE t.trigger_name = $n', { n: 't1' })).to.deep.equal([[4n]]);
    });

    it('unknown system and information_schema tables read like DataFusion', async () => {
      expect((await errorOf(q('SELECT * FROM system.nope'))).message).to.equal(
        "error while planning query: Error during planning: table 'public.system.nope' not found",
      );
      expect((await errorOf(q('SELECT * FROM information_schema.nope'))).message).to.contain("table 'public.information_schema.nope' not found");
    });

    it('iox.t and public.iox.t are the database tables; literals and comments stay untouched', async () => {
      expect(await rows("SELECT count(*) FROM iox.cpu WHERE host <> 'system.queries'")).to.deep.equal([[4n]]);
      expect(await rows("SELECT 'iox.cpu, system.queries, information_schema.tables' AS s /* system.x */ FROM public.iox.cpu c LIMIT 1")).to.deep.equal([
        ['iox.cpu, system.queries, information_schema.tables'],
      ]);
      expect(await rows('SELECT cpu.host FROM iox.cpu WHERE cpu.usage = 0.9')).to.deep.equal([['b']]);
      expect(await rows("WITH x AS (SELECT * FROM iox.cpu) SELECT count(*) FROM x WHERE EXISTS (SELECT 1 FROM system.queries s WHERE s.ok)")).to.deep.equal([[4n]]);
    });
  });

  describe('errors and safety', () => {
    it('maps a missing table to the DataFusion text', async () => {
      const err = await errorOf(q('SELECT foo FROM not_here'));
      expect(err.message).to.equal("error while planning query: Error during planning: table 'public.iox.not_here' not found");
      expect(err.status).to.equal(400);
      expect(err.code).to.equal('query_error');
    });

    it('words other errors as DataFusion does, naming the valid fields of the tables queried', async () => {
      const err = await errorOf(q('SELECT nope FROM cpu'));
      expect(err.message).to.match(/^error while planning query: Schema error: No field named nope\. Valid fields are cpu\.[a-z]+(, cpu\.[a-z]+)*\.$/);
      expect(err.status).to.equal(400);
      expect((await errorOf(q('SELEC 1'))).message).to.equal('error while planning query: SQL error: ParserError("Expected: an SQL statement, found: SELEC at Line: 1, Column: 1")');
    });

    it('runs only SELECT statements', async () => {
      expect((await q('EXPLAIN SELECT count(*) FROM cpu')).columns.map((c) => c.name)).to.deep.equal(['plan_type', 'plan']);
      expect((await q('EXPLAIN ANALYZE SELECT count(*) FROM cpu')).rows).to.have.length(1);
      for (const sql of ['EXPLAIN ANALYZE DROP TABLE cpu', 'EXPLAIN ANALYZE DELETE FROM cpu', 'DROP TABLE cpu', "INSERT INTO cpu VALUES ('x', 'y', 1, now())", 'SELECT 1; DROP TABLE cpu', "COPY cpu TO 'x.csv'"]) {
        const err = await errorOf(q(sql));
        expect(err.status, sql).to.equal(400);
      }
      expect(await rows('SELECT count(*) FROM cpu')).to.deep.equal([[4n]]);
    });

    it('cannot read files', async () => {
      const { dir, cleanup } = tempDir();
      try {
        const file = join(dir, 'secret.csv');
        writeFileSync(file, 'a\n1\n');
        // read_csv() is refused by the planner; a file named as a table is stopped by DuckDB's own file lock-down.
        const err = await errorOf(q(`SELECT * FROM '${file}'`));
        expect(err.message).to.match(/file system operations are disabled|Permission|not found/i);
      } finally {
        cleanup();
      }
    });
  });

  describe('parquet', () => {
    it('writes a file DuckDB reads back', async () => {
      const buf = await store.queryToParquet(1, 'SELECT host, usage, time FROM cpu WHERE usage > $min ORDER BY time', { min: '0.6' });
      expect(buf.subarray(0, 4).toString()).to.equal('PAR1');
      const { dir, cleanup } = tempDir();
      const instance = await DuckDBInstance.create(':memory:');
      const conn = await instance.connect();
      try {
        const file = join(dir, 'out.parquet');
        writeFileSync(file, buf);
        const reader = await conn.runAndReadAll(`SELECT host, usage, epoch_ns(time) FROM read_parquet('${file}')`);
        expect(reader.getRows()).to.deep.equal([['a', 0.7, 2n * S], ['b', 0.9, 3n * S]]);
        expect(reader.columnTypes().map(String)).to.deep.equal(['VARCHAR', 'DOUBLE', 'BIGINT']);
        rmSync(file);
      } finally {
        conn.closeSync();
        instance.closeSync();
        cleanup();
      }
    });

    it('accepts a trailing semicolon or comment', async () => {
      const buf = await store.queryToParquet(1, 'SELECT count(*) AS n FROM cpu; -- all of it');
      expect(buf.subarray(0, 4).toString()).to.equal('PAR1');
    });

    it('refuses non-SELECT statements', async () => {
      const err = await errorOf(store.queryToParquet(1, 'DROP TABLE cpu'));
      expect(err.status).to.equal(400);
    });
  });
});
