import { expect } from 'chai';
import { tokenize } from '../../../../src/storage/query/sql-lexer.js';
import { functionEdits } from '../../../../src/storage/query/functions/index.js';
import { applyEdits } from '../../../../src/storage/query/sql-rewrite.js';
import { captureGroups } from '../../../../src/storage/query/functions/regex-functions.js';

const rewrite = (sql: string, tags?: ReadonlySet<string>): string => applyEdits(sql, functionEdits(tokenize(sql), undefined, tags));

describe('storage/query/functions: string, regex, struct and misc rewrites', () => {
  it('routes casts to a string type through __iox_to_string, whatever the operand', () => {
    expect(rewrite('SELECT time::STRING, t.time::varchar, f(a, b)::TEXT, x[1]::STRING FROM m')).to.equal(
      'SELECT __iox_to_string(time), __iox_to_string(t.time), __iox_to_string(f(a, b)), __iox_to_string(x[1]) FROM m',
    );
    expect(rewrite("SELECT TIMESTAMP_NS '2022-01-01'::STRING, (1 + 2)::STRING, x::BIGINT::STRING")).to.equal(
      // The integer cast inside is DataFusion's truncating one (integer-casts.ts).
      "SELECT __iox_to_string(TIMESTAMP_NS '2022-01-01'), __iox_to_string((1 + 2)), __iox_to_string((CASE WHEN typeof(x) IN ('FLOAT', 'DOUBLE') OR typeof(x) LIKE 'DECIMAL%' THEN CAST(trunc(TRY_CAST(x AS DOUBLE)) AS BIGINT) ELSE CAST(x AS BIGINT) END))",
    );
    expect(rewrite('SELECT CAST(time AS VARCHAR), TRY_CAST(a + b AS STRING), CAST(x AS BIGINT), x::VARCHAR(10) FROM m')).to.equal(
      "SELECT __iox_to_string(time), __iox_to_string(a + b), (CASE WHEN typeof(x) IN ('FLOAT', 'DOUBLE') OR typeof(x) LIKE 'DECIMAL%' THEN CAST(trunc(TRY_CAST(x AS DOUBLE)) AS BIGINT) ELSE CAST(x AS BIGINT) END), x::VARCHAR(10) FROM m",
    );
  });

  it('nests a string cast inside a rewritten call and a rewritten call inside a cast', () => {
    expect(rewrite('SELECT concat_ws(\' \', time::STRING), position(\'a\' IN s)::STRING FROM m')).to.equal(
      "SELECT concat_ws(' ', __iox_to_string(time)), __iox_to_string(CAST(strpos(s, 'a') AS INTEGER)) FROM m",
    );
  });

  it('reads the keyword forms of overlay and position', () => {
    expect(rewrite("SELECT overlay(s PLACING '**' FROM 2 FOR f(1, 2)), overlay(s PLACING 'x' FROM 3), overlay(s, 'y', 1, 2)")).to.equal(
      "SELECT __iox_overlay(s, '**', 2, f(1, 2)), __iox_overlay(s, 'x', 3, length('x')), __iox_overlay(s, 'y', 1, 2)",
    );
    expect(() => rewrite('SELECT position(s)')).to.throw(/position expects position\(substring IN string\)/);
  });

  it('builds structs with c0, c1, ... unless a field is named, and maps from key/value pairs', () => {
    expect(rewrite("SELECT struct(a, b AS 'two', c AS three), row(x), named_struct('k', v)")).to.equal(
      'SELECT struct_pack("c0" := a, "two" := b, "three" := c), struct_pack("c0" := x), struct_pack("k" := v)',
    );
    expect(rewrite('SELECT make_map(room, temp, \'b\', 2)')).to.equal("SELECT map([room, 'b'], [temp, 2])");
    expect(() => rewrite("SELECT named_struct('a')")).to.throw(/named_struct requires an even number of arguments, got 1/);
    expect(() => rewrite("SELECT named_struct(x, 1)")).to.throw(/field names to be constant strings, got x/);
  });

  it('does not split a call at the commas of a MAP {...} literal', () => {
    expect(rewrite("SELECT get_field(map {'a': 1, 'b': 2}, 'b')")).to.equal(
      "SELECT (map {'a': CAST(1 AS BIGINT), 'b': CAST(2 AS BIGINT)})['b']",
    );
  });

  it('makes integer literals written in a map BIGINT (Int64), leaving calls and other numbers alone', () => {
    expect(rewrite("SELECT map([400, 401], ['a', f(2)]), MAP {1: 2.5}, x[1] FROM m")).to.equal(
      "SELECT map([CAST(400 AS BIGINT), CAST(401 AS BIGINT)], ['a', f(2)]), MAP {CAST(1 AS BIGINT): 2.5}, x[1] FROM m",
    );
  });

  it('types a tag column as a dictionary and anything else through the JS function', () => {
    expect(rewrite('SELECT arrow_typeof(room), arrow_typeof(home.room), arrow_typeof(temp), arrow_typeof(NULL) FROM home', new Set(['room']))).to.equal(
      "SELECT 'Dictionary(Int32, Utf8)', 'Dictionary(Int32, Utf8)', __iox_arrow_typeof(temp), 'Null' FROM home",
    );
    expect(rewrite('SELECT arrow_typeof(upper(room)) FROM home', new Set(['room']))).to.equal('SELECT __iox_arrow_typeof(upper(room)) FROM home');
  });

  it('counts capture groups for regexp_match, and needs a constant pattern', () => {
    expect([captureGroups('.{3}'), captureGroups('(a)(b)'), captureGroups('(?:a)(?P<n>b)\\(c[(]'), captureGroups('(?i)(x)')]).to.deep.equal([0, 2, 1, 1]);
    expect(rewrite("SELECT regexp_match(s, '(a)(b)')")).to.equal(
      "SELECT CASE WHEN regexp_matches(s, __iox_regex('(a)(b)', NULL)) THEN [regexp_extract(s, __iox_regex('(a)(b)', NULL), 1), regexp_extract(s, __iox_regex('(a)(b)', NULL), 2)] END",
    );
    expect(() => rewrite('SELECT regexp_match(s, p)')).to.throw(/regexp_match requires its pattern to be a constant string/);
  });
});
