import { expect } from 'chai';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { tokenize } from '../../../../src/storage/query/sql-lexer.js';
import { functionEdits } from '../../../../src/storage/query/functions/index.js';
import { integerCastEdits } from '../../../../src/storage/query/functions/integer-casts.js';
import { applyEdits } from '../../../../src/storage/query/sql-rewrite.js';

const rewrite = (sql: string): string => applyEdits(sql, functionEdits(tokenize(sql), sql));
// The operand each integer cast was found to apply to.
const operands = (sql: string): string[] =>
  integerCastEdits(tokenize(sql), sql).map((e) => {
    const m = /ELSE (?:TRY_)?CAST\((.*) AS \w+\) END\)/.exec(e.render((s, t) => sql.slice(s, t))!);
    return m ? m[1]! : '?';
  });

describe('storage/query/functions: float-to-integer casts truncate like DataFusion', () => {
  it('finds the operand of :: the way the parser binds it', () => {
    expect(operands('SELECT a::BIGINT, t.b::INT, (a * 5)::BIGINT, f(x, y)::INT8, x[1]::INT, f(x)[2]::INT FROM t')).to.deep.equal([
      'a', 't.b', '(a * 5)', 'f(x, y)', 'x[1]', 'f(x)[2]',
    ]);
    expect(operands("SELECT -1.6::BIGINT, 2 * 3.5::INT, CASE WHEN a THEN 1.5 END::INT, x::DOUBLE::INT, TIMESTAMP '2020-01-01'::BIGINT")).to.deep.equal([
      '1.6', '3.5', 'CASE WHEN a THEN 1.5 END', 'x::DOUBLE', "TIMESTAMP '2020-01-01'",
    ]);
    expect(operands('SELECT CAST(a + 1 AS BIGINT), TRY_CAST(CAST(b AS DOUBLE) AS SMALLINT) FROM t')).to.deep.equal(['a + 1', 'CAST(b AS DOUBLE)']);
  });

  it('leaves other casts, windows and filtered aggregates alone', () => {
    for (const sql of [
      'SELECT a::DOUBLE, a::BIGINT[], CAST(a AS VARCHAR), CAST(a AS BIGINT[]) FROM t',
      'SELECT rank() OVER (ORDER BY a)::BIGINT, count(*) FILTER (WHERE a > 1)::INT FROM t',
      "SELECT 'a::BIGINT', \"x::INT\" FROM t -- b::BIGINT",
    ]) {
      const rewritten = rewrite(sql);
      expect(rewritten, sql).not.to.contain('trunc(');
    }
  });

  it('keeps the column name DuckDB gave an unaliased cast, and never names an aliased or nested one', () => {
    const sql = 'SELECT precip::BIGINT, CAST(x AS INT) AS i, f(y::INT), z::INT w, 1 + q::INT FROM t GROUP BY 1 ORDER BY 1';
    const out = rewrite(sql);
    expect(out.match(/AS "[^"]*"/g)).to.deep.equal(['AS "CAST(precip AS BIGINT)"']);
    expect(out).to.match(/ GROUP BY 1 ORDER BY 1$/);
  });

  describe('against DuckDB', () => {
    let instance: DuckDBInstance;
    let conn: DuckDBConnection;
    before(async () => {
      instance = await DuckDBInstance.create(':memory:');
      conn = await instance.connect();
    });
    after(() => {
      conn.closeSync();
      instance.closeSync();
    });
    const run = async (sql: string): Promise<{ names: string[]; row: unknown[] }> => {
      const reader = await conn.runAndReadAll(rewrite(sql));
      return { names: reader.columnNames(), row: reader.getRows()[0]!.map((v) => (typeof v === 'bigint' ? Number(v) : v)) };
    };

    it('truncates floats and decimals toward zero, and casts everything else as before', async () => {
      const { row } = await run("SELECT 1.6::BIGINT, (-1.6)::BIGINT, CAST(2.9::DOUBLE AS INT), TRY_CAST(7.99::FLOAT AS SMALLINT), '12'::BIGINT, 5::BIGINT, true::INT");
      expect(row).to.deep.equal([1, -1, 2, 7, 12, 5, 1]);
    });

    it('costs nothing per row: DuckDB folds typeof() and keeps only the branch of the value\'s type', async () => {
      const plan = async (sql: string): Promise<string> =>
        (await conn.runAndReadAll(`EXPLAIN ${applyEdits(sql, functionEdits(tokenize(sql)))}`)).getRows().map((r) => String(r[1])).join('\n');
      const floats = await plan('SELECT x::BIGINT FROM (VALUES (1.5::DOUBLE)) t(x)');
      expect(floats).to.contain('CAST(trunc(x) AS BIGINT)');
      expect(floats).not.to.match(/CASE|typeof/);
      expect(await plan('SELECT x::BIGINT FROM (VALUES (7)) t(x)')).not.to.match(/CASE|typeof|trunc/);
    });

    it('names an unaliased cast as DuckDB did, and keeps bad values failing', async () => {
      expect((await run('SELECT x::BIGINT FROM (VALUES (1.5)) t(x)')).names).to.deep.equal(['CAST(x AS BIGINT)']);
      let message = '';
      await run("SELECT 'abc'::BIGINT").catch((err: Error) => (message = err.message));
      expect(message).to.contain('abc');
    });
  });
});
