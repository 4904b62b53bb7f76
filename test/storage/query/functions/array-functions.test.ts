import { expect } from 'chai';
import { tokenize } from '../../../../src/storage/query/sql-lexer.js';
import { functionEdits } from '../../../../src/storage/query/functions/index.js';
import { integerListDepth, int64Literal } from '../../../../src/storage/query/functions/array-args.js';
import { applyEdits } from '../../../../src/storage/query/sql-rewrite.js';
import type { DuckDbStore } from '../../../../src/storage/duckdb/duckdb-store.js';
import { openStore } from '../../duckdb/store-fixtures.js';

const rewrite = (sql: string): string => applyEdits(sql, functionEdits(tokenize(sql)));
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));

describe('storage/query/functions: array functions', () => {
  describe('rewrites', () => {
    it('makes integer literals BIGINT, lists of them at their depth, and leaves other arguments alone', () => {
      expect(integerListDepth('[[1, 2], [NULL, -3]]')).to.equal(2);
      expect(integerListDepth("['a']")).to.equal(0);
      expect(integerListDepth('[1.5, 2]')).to.equal(0);
      expect(int64Literal('[1, 2]')).to.equal('CAST([1, 2] AS BIGINT[])');
      expect(int64Literal('7')).to.equal('CAST(7 AS BIGINT)');
      expect(int64Literal('x')).to.equal('x');
      expect(rewrite('SELECT list_append(l, 4) FROM t')).to.equal('SELECT list_append(l, CAST(4 AS BIGINT)) FROM t');
    });

    it('maps the aliases to one translation and keeps argument order', () => {
      expect(rewrite('SELECT array_push_front(1, l), list_prepend(1, l)')).to.equal('SELECT list_prepend(CAST(1 AS BIGINT), l), list_prepend(CAST(1 AS BIGINT), l)');
      expect(rewrite('SELECT array_indexof(l, x, 3)')).to.equal('SELECT CAST(list_position(list_slice(l, CAST(3 AS BIGINT), len(l)), x) + (CAST(3 AS BIGINT)) - 1 AS UBIGINT)');
      expect(rewrite('SELECT list_length(l, 2)')).to.equal('SELECT CAST(len((l)[1]) AS UBIGINT)');
    });

    it('rewrites nested calls inside out', () => {
      expect(rewrite('SELECT array_max(make_array(1, 2))')).to.equal('SELECT list_max(list_value(CAST(1 AS BIGINT), CAST(2 AS BIGINT)))');
    });

    it('leaves the range and generate_series table functions to DuckDB', () => {
      expect(rewrite('SELECT * FROM range(3)')).to.equal('SELECT * FROM range(3)');
      expect(rewrite('SELECT * FROM t JOIN generate_series(1, 2) g ON true')).to.equal('SELECT * FROM t JOIN generate_series(1, 2) g ON true');
      expect(rewrite("SELECT range(DATE '2025-01-01', DATE '2025-03-01', INTERVAL '1 month')")).to.match(/^SELECT CAST\(range\(.*\) AS DATE\[\]\)$/);
    });

    it('answers a wrong argument count or a non-literal dimension with a planning error naming the function', () => {
      expect(() => rewrite('SELECT array_remove_n(l, 2)')).to.throw(/Error during planning: array_remove_n expects 3 arguments, got 2/);
      expect(() => rewrite('SELECT array_length(l, d)')).to.throw(/array_length supports a dimension given as a positive integer literal, got d/);
    });
  });

  describe('semantics on DuckDB (DataFusion results)', () => {
    let store: DuckDbStore;
    const one = async (sql: string): Promise<{ value: unknown; type: string }> => {
      const r = await store.query(1, `SELECT ${sql} AS v`);
      return { value: plain(r.rows[0]![0]), type: r.columns[0]!.type };
    };

    before(async () => {
      store = await openStore(':memory:');
      await store.createDatabase(1, 'arrays');
    });
    after(async () => store?.close());

    const cases: Array<[string, unknown, string?]> = [
      // Sorted, NULL first and once (DataFusion's row format order).
      ['array_distinct([3, NULL, 1, 3, NULL])', [null, 1, 3], 'List(Int64)'],
      ['array_union([3, 1], [2, 1, NULL])', [1, 3, null, 2]],
      ['array_intersect([3, 1, 2], [2, 3, 9])', [2, 3]],
      ['array_except([1, 2, 2, NULL, 3], [3])', [1, 2, null]],
      ['array_remove_n([1, 2, 2, 3, 2], 2, 2)', [1, 3, 2]],
      ["array_replace_n(['a', 'b', 'a', 'a'], 'a', 'z', 2)", ['z', 'b', 'z', 'a']],
      ['array_position([1, 2, 2, 3, 1, 4], 2, 3)', 3, 'UInt64'],
      ['array_position([1, 2], 9)', null],
      ['array_positions([1, 2, 1], 1)', [1, 3], 'List(UInt64)'],
      ['array_length([[1, 2, 3], [4, 5, 6]], 2)', 3, 'UInt64'],
      ['array_dims([[[1, 2], [3, 4], [5, 6]]])', [1, 3, 2], 'List(UInt64)'],
      ['array_ndims([[[1]]])', 3, 'UInt64'],
      ['cardinality([[1, 2], [3, 4], [5, 6]])', 6, 'UInt64'],
      ["cardinality(MAP {'a': 1, 'b': 2})", 2, 'UInt64'],
      ['cardinality(CAST([] AS INTEGER[]))', 0],
      ["array_to_string([1, NULL, 3], ',')", '1,3'],
      ["array_to_string([1, NULL, 3], ',', '?')", '1,?,3'],
      ["string_to_array('a,b,c', ',', 'b')", ['a', null, 'c']],
      ['array_sort([3, NULL, 1])', [null, 1, 3]],
      ["array_sort([3, NULL, 1], 'DESC')", [null, 3, 1]],
      ['array_repeat(7, 0)', []],
      ['empty(CAST([] AS INTEGER[]))', true],
      ['array_element([1, 2, 3], -1)', 3, 'Int64'],
      ['flatten([[1, 2], [3]])', [1, 2, 3], 'List(Int64)'],
      ['flatten([1, 2])', [1, 2], 'List(Int64)'],
    ];
    for (const [sql, value, type] of cases) {
      it(`${sql} = ${JSON.stringify(value)}${type ? ` (${type})` : ''}`, async () => {
        const got = await one(sql);
        expect(got.value).to.deep.equal(value);
        if (type) expect(got.type).to.equal(type);
      });
    }

    it('still runs range as a table function', async () => {
      expect(plain((await store.query(1, 'SELECT count(*) AS n FROM range(3)')).rows)).to.deep.equal([[3]]);
    });
  });
});
