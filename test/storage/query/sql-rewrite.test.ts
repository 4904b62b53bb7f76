import { expect } from 'chai';
import { tokenize } from '../../../src/storage/query/sql-lexer.js';
import { applyEdits, findArrowCasts } from '../../../src/storage/query/sql-rewrite.js';
import { translateShow } from '../../../src/storage/query/show-statements.js';
import { arrowCastSql, duckdbTypeForArrow } from '../../../src/storage/query/arrow-cast.js';

describe('sql-lexer', () => {
  it('keeps strings, quoted names, comments and parameters apart from code', () => {
    const sql = `SELECT 'it''s system.x', "a ""b""", $host, $$dollar ' quoted$$ -- arrow_cast(x, 'Int64')\n/* system.y */ FROM E'\\'x'`;
    const kinds = tokenize(sql).map((t) => `${t.kind}:${t.value}`);
    expect(kinds).to.deep.equal([
      'ident:SELECT', "string:it's system.x", 'punct:,', 'quoted:a "b"', 'punct:,', 'param:host', 'punct:,',
      "string:dollar ' quoted", 'ident:FROM', "string:'x",
    ]);
  });
});

describe('arrow_cast rewrite', () => {
  it('rewrites calls, nested ones included, and leaves look-alikes in strings alone', () => {
    const sql = `SELECT arrow_cast(arrow_cast(v, 'Int64'), 'Utf8'), 'arrow_cast(v, ''Int64'')' FROM t`;
    const tokens = tokenize(sql);
    const edits = findArrowCasts(tokens).map((c) => ({
      start: c.start,
      end: c.end,
      render: (inner: (s: number, e: number) => string) => arrowCastSql(c.typeName!, inner(c.argStart, c.argEnd))!,
    }));
    expect(applyEdits(sql, edits)).to.equal(
      `SELECT CAST((CAST(__iox_to_integer(v) AS BIGINT)) AS VARCHAR), 'arrow_cast(v, ''Int64'')' FROM t`,
    );
  });

  it('maps Arrow type names to DuckDB types', () => {
    expect(duckdbTypeForArrow('Float64')).to.equal('DOUBLE');
    expect(duckdbTypeForArrow('UInt64')).to.equal('UBIGINT');
    expect(duckdbTypeForArrow('Boolean')).to.equal('BOOLEAN');
    expect(duckdbTypeForArrow('Utf8')).to.equal('VARCHAR');
    expect(duckdbTypeForArrow('Dictionary(Int32, Utf8)')).to.equal('VARCHAR');
    expect(duckdbTypeForArrow('Timestamp(Nanosecond, None)')).to.equal('TIMESTAMP_NS');
    expect(duckdbTypeForArrow('Timestamp(Millisecond, None)')).to.equal('TIMESTAMP_MS');
    expect(duckdbTypeForArrow('Timestamp(Second, Some("UTC"))')).to.equal('TIMESTAMPTZ');
    expect(duckdbTypeForArrow('Decimal128(10, 2)')).to.equal('DECIMAL(10, 2)');
    expect(duckdbTypeForArrow('Nope')).to.equal(undefined);
  });
});

describe('translateShow', () => {
  it('turns SHOW TABLES, SHOW COLUMNS and DESCRIBE into information_schema queries', () => {
    expect(translateShow('show tables;').sql).to.equal(
      'SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables',
    );
    expect(translateShow('SHOW COLUMNS FROM cpu').sql).to.equal(
      "SELECT table_catalog, table_schema, table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'cpu'",
    );
    expect(translateShow(`SHOW COLUMNS IN iox."it's"`).sql).to.equal(
      "SELECT table_catalog, table_schema, table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'it''s' AND table_schema = 'iox'",
    );
    expect(translateShow('SHOW FULL COLUMNS FROM cpu').sql).to.match(/^SELECT \* FROM information_schema.columns/);
    expect(translateShow('DESCRIBE cpu').sql).to.equal(
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'cpu'",
    );
    expect(translateShow("SELECT 'SHOW TABLES'").sql).to.equal("SELECT 'SHOW TABLES'");
  });
});
