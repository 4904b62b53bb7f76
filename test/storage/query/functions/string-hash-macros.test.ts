import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { functionsConnection } from '../../../helpers/duckdb.js';
import { functionEdits } from '../../../../src/storage/query/functions/index.js';
import { tokenize } from '../../../../src/storage/query/sql-lexer.js';
import { applyEdits } from '../../../../src/storage/query/sql-rewrite.js';
import { convertResult } from '../../../../src/storage/query/result-convert.js';

// The macros and JS functions on a real in-memory DuckDB, as a query connection installs them.
describe('storage/query/functions: string, hashing and misc functions on DuckDB', () => {
  let close: () => void;
  let conn: DuckDBConnection;
  const query = async (sql: string) => {
    const reader = await conn.runAndReadAll(applyEdits(sql, functionEdits(tokenize(sql))));
    return convertResult(reader, new Set());
  };
  const row = async (sql: string) => (await query(sql)).rows[0];

  before(async () => {
    ({ conn, close } = await functionsConnection());
  });
  after(() => {
    close?.();
  });

  it('hashes strings and binary values to Binary, NULL to NULL, and names an unknown algorithm', async () => {
    const hex = (alg: string, s: string) => createHash(alg).update(s).digest('hex');
    const result = await query("SELECT sha384('abc'), digest('abc', 'blake2b'), digest(decode('616263', 'hex'), 'SHA512'), sha512(NULL), sha256(decode('616263', 'hex'))");
    expect(result.columns.map((c) => c.type)).to.deep.equal(['Binary', 'Binary', 'Binary', 'Binary', 'Binary']);
    expect(result.rows[0]).to.deep.equal([hex('sha384', 'abc'), hex('blake2b512', 'abc'), hex('sha512', 'abc'), null, hex('sha256', 'abc')]);
    await conn.runAndReadAll("SELECT digest('abc', 'sha3')").then(
      () => expect.fail('digest with sha3 ran'),
      (err: Error) => expect(err.message).to.contain("There is no built-in digest algorithm named 'sha3'"),
    );
  });

  it('encodes and decodes base64 without padding and hex in lower case', async () => {
    expect(await row("SELECT encode('Hayward', 'base64'), encode('Hay', 'HEX'), decode('SGF5', 'base64'), decode('SGF5d2E', 'base64'), to_hex(255)")).to.deep.equal([
      'SGF5d2FyZA', '486179', '486179', '4861797761', 'ff',
    ]);
  });

  it('prints timestamps cast to strings the Arrow way', async () => {
    expect(await row("SELECT TIMESTAMP_NS '2022-01-01 08:00:00'::STRING, CAST(TIMESTAMP '2022-01-01 08:00:00.5' AS VARCHAR), TIMESTAMP_NS '2022-01-01 08:00:00.1234567'::TEXT, 1.5::STRING")).to.deep.equal([
      '2022-01-01T08:00:00', '2022-01-01T08:00:00.500', '2022-01-01T08:00:00.123456700', '1.5',
    ]);
  });

  it('keeps DataFusion edge cases of the string functions', async () => {
    expect(await row("SELECT initcap('élan VITAL-x2y'), substr_index('a.b.c', '.', -2), substr_index('a.b', '.', 0), substr_index('a.b', '.', 5), find_in_set(NULL, 'a'), find_in_set('c', 'a,b')")).to.deep.equal([
      'Élan Vital-X2y', 'b.c', '', 'a.b', null, 0,
    ]);
    const types = await query("SELECT instr('ab', 'b'), levenshtein('a', 'b'), octet_length('é'), position('b' IN 'ab')");
    expect(types.columns.map((c) => c.type)).to.deep.equal(['Int32', 'Int32', 'Int32', 'Int32']);
    expect(types.rows[0]).to.deep.equal([2, 1, 2, 2]);
  });

  it('answers arrow_typeof with the Arrow names results report', async () => {
    expect(await row("SELECT arrow_typeof(1::BIGINT), arrow_typeof(1.5::DOUBLE), arrow_typeof('a'), arrow_typeof(TIMESTAMP_NS '2022-01-01'), arrow_typeof([1::BIGINT]), arrow_typeof(NULL)")).to.deep.equal([
      'Int64', 'Float64', 'Utf8', 'Timestamp(Nanosecond, None)', 'List(Int64)', 'Null',
    ]);
  });

  it('counts, tests and extracts regular expression matches with flags', async () => {
    expect(await row("SELECT regexp_count('Living Room', '[Ro]', 1, 'i'), regexp_count('aaa', 'a', 2), regexp_like('Room', 'r', 'i'), regexp_match('abc', '(a)(b)'), regexp_match('abc', 'z')")).to.deep.equal([
      3n, 2n, true, ['a', 'b'], null,
    ]);
  });
});
