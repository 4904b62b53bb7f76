import { expect } from 'chai';
import type { DuckDBConnection } from '@duckdb/node-api';
import { functionsConnection } from '../../../helpers/duckdb.js';
import { tokenize } from '../../../../src/storage/query/sql-lexer.js';
import { functionEdits } from '../../../../src/storage/query/functions/index.js';
import { applyEdits } from '../../../../src/storage/query/sql-rewrite.js';

// Without the SQL text, rewrites leave column names alone.
const rewrite = (sql: string): string => applyEdits(sql, functionEdits(tokenize(sql)));
const DATA = `(VALUES ('a', 1, 21.0::DOUBLE, 0), ('a', 2, 23.3, 18), ('a', 3, 23.1, 22), ('a', 4, 22.7, 26), ('b', 1, 20.0, 1), ('b', 2, NULL, 5))
  AS t(g, time, temp, co)`;

describe('storage/query/functions: aggregate, approximate, statistical, window, conditional and math rewrites', () => {
  it('rewrites both forms of approx_percentile_cont, DESC as 1 - p', () => {
    expect(rewrite('SELECT approx_percentile_cont(x, 0.9, 100), approx_percentile_cont(0.9) WITHIN GROUP (ORDER BY x DESC NULLS LAST) FROM t')).to.equal(
      'SELECT approx_quantile(x, 0.9), approx_quantile(x, (1 - (0.9))) FROM t',
    );
  });

  it('keeps DISTINCT, FILTER and OVER when renaming, and casts ranking windows whole', () => {
    expect(rewrite('SELECT var(DISTINCT x) FILTER (WHERE x > 0), covar(a, b) OVER (PARTITION BY g), nvl(a, 1) FROM t')).to.equal(
      'SELECT var_samp(DISTINCT x) FILTER (WHERE x > 0), covar_samp(a, b) OVER (PARTITION BY g), coalesce(a, 1) FROM t',
    );
    expect(rewrite('SELECT ntile(4) OVER w, rank() OVER (ORDER BY x) AS r, nth_value(x, 2) OVER (ORDER BY t) FROM t WINDOW w AS (ORDER BY x)')).to.equal(
      'SELECT CAST(ntile(4) OVER w AS UBIGINT), CAST(rank() OVER (ORDER BY x) AS UBIGINT) AS r, nth_value(x, 2) OVER (ORDER BY t) FROM t WINDOW w AS (ORDER BY x)',
    );
  });

  describe('against DuckDB', () => {
    let close: () => void;
    let conn: DuckDBConnection;
    before(async () => {
      ({ conn, close } = await functionsConnection());
    });
    after(() => {
      close?.();
    });
    const rows = async (sql: string): Promise<unknown[][]> =>
      (await conn.runAndReadAll(rewrite(sql))).getRows().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    const types = async (sql: string): Promise<string[]> => (await conn.runAndReadAll(rewrite(sql))).columnTypes().map(String);

    it('nth_value(x, n ORDER BY t) takes the n-th in that order, from the end when negative', async () => {
      expect(await rows(`SELECT g, nth_value(temp, 2 ORDER BY time DESC), nth_value(temp, -1 ORDER BY time) FROM ${DATA} GROUP BY g ORDER BY g`)).to.deep.equal([
        ['a', 23.1, 22.7],
        ['b', 20, null],
      ]);
    });

    it('approx_percentile_cont_with_weight takes the value where the cumulative weight reaches p', async () => {
      const sql = `SELECT g, approx_percentile_cont_with_weight(co, 0.5) WITHIN GROUP (ORDER BY temp), approx_percentile_cont_with_weight(temp, co, 0.99) FROM ${DATA} GROUP BY g ORDER BY g`;
      // a: weights sorted by temp are 21.0:0, 22.7:26, 23.1:22, 23.3:18 (total 66): half is reached at 23.1.
      expect(await rows(sql)).to.deep.equal([
        ['a', 23.1, 23.3],
        ['b', 20, 20],
      ]);
    });

    it('answers DataFusion types: UInt64 ranks and counts, Int32 grouping, Float64 signum and nanvl, Int64 factorial', async () => {
      expect(await types(`SELECT row_number() OVER (), rank() OVER (ORDER BY g), dense_rank() OVER (ORDER BY g), ntile(2) OVER (), approx_distinct(g) OVER () FROM ${DATA}`)).to.deep.equal(
        ['UBIGINT', 'UBIGINT', 'UBIGINT', 'UBIGINT', 'UBIGINT'],
      );
      expect(await types(`SELECT g, grouping(g) FROM ${DATA} GROUP BY ROLLUP (g)`)).to.deep.equal(['VARCHAR', 'INTEGER']);
      expect(await types('SELECT signum(-3), nanvl(1, 2), factorial(5::BIGINT), iszero(0.0)')).to.deep.equal(['DOUBLE', 'DOUBLE', 'BIGINT', 'BOOLEAN']);
    });

    it('computes the renamed and rewritten scalars with DataFusion semantics', async () => {
      expect(await rows("SELECT signum(-2.5), signum(0), nanvl('NaN'::DOUBLE, 1.5), nanvl(2.0, 1.5), nvl2(NULL, 'x', 'y'), nvl2(1, 'x', 'y'), factorial(-1), factorial(20)")).to.deep.equal([
        [-1, 0, 1.5, 2, 'y', 'x', 1, 2432902008176640000],
      ]);
      let message = '';
      await rows('SELECT factorial(21)').catch((err: Error) => (message = err.message));
      expect(message).to.contain('Overflow happened on FACTORIAL(21)');
    });

    it('var, var_population and covar are the sample/population statistics', async () => {
      const [[v, vp, c]] = (await rows('SELECT var(x), var_population(x), covar(x, 2 * x) FROM (VALUES (1.0), (2.0), (3.0), (4.0)) t(x)')) as number[][];
      expect([v, vp, c].map((n) => Math.round(n! * 1e6) / 1e6)).to.deep.equal([1.666667, 1.25, 3.333333]);
    });
  });
});

describe('storage/query/functions: column names of rewritten SELECT items', () => {
  const named = (sql: string): string => applyEdits(sql, functionEdits(tokenize(sql), sql));

  it('names an unaliased rewritten item as written, and leaves aliased, nested and declined calls alone', () => {
    const sql = 'SELECT nth_value(f, 1 ORDER BY time), rank() OVER (ORDER BY x), nvl(a,\n  b) AS n, 1 + nvl(c, d), first_value(x) OVER (ORDER BY t) FROM m';
    expect(named(sql)).to.equal(
      'SELECT list(f ORDER BY time)[1] AS "nth_value(f, 1 ORDER BY time)", CAST(rank() OVER (ORDER BY x) AS UBIGINT) AS "rank() OVER (ORDER BY x)", ' +
        'coalesce(a, b) AS n, 1 + coalesce(c, d), first_value(x) OVER (ORDER BY t) FROM m',
    );
  });

  it('only in the SELECT list: not in WHERE, GROUP BY, ORDER BY or a call\'s arguments', () => {
    const sql = 'SELECT g FROM m WHERE nvl(a, 0) > 1 GROUP BY nvl(g, 1) ORDER BY var(x), f(nvl(a, 1), 2)';
    expect(named(sql)).not.to.contain(' AS "');
  });
});
