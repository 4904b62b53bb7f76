import { expect } from 'chai';
import { tokenize } from '../../../../src/storage/query/sql-lexer.js';
import { functionEdits } from '../../../../src/storage/query/functions/index.js';
import { chronoParseFormats } from '../../../../src/storage/query/functions/chrono-format.js';
import { timeQueryEdits } from '../../../../src/storage/query/functions/time-query-edits.js';
import { applyEdits } from '../../../../src/storage/query/sql-rewrite.js';

const rewrite = (sql: string): string => {
  const tokens = tokenize(sql);
  return applyEdits(sql, [...functionEdits(tokens), ...timeQueryEdits(sql, tokens)]);
};

describe('storage/query/functions: time and date rewrites', () => {
  it('translates chrono parsing formats, an optional fraction as two formats', () => {
    expect(chronoParseFormats('%H:%M:%S%.f %m-%d-%Y')).to.deep.equal(['%H:%M:%S.%n %m-%d-%Y', '%H:%M:%S %m-%d-%Y']);
    expect(chronoParseFormats('%e-%b-%Y')).to.deep.equal(['%-d-%b-%Y']);
    expect(chronoParseFormats('%T')).to.deep.equal(['%H:%M:%S']);
    expect(() => chronoParseFormats('%s')).to.throw(/%s is not supported/);
  });

  it('formats with chrono specifiers DuckDB lacks through expressions, and escapes literal percent signs', () => {
    const sql = rewrite("SELECT to_char(t, '%e 100%% %Y')");
    expect(sql).to.contain(`lpad(strftime(CAST(t AS TIMESTAMP_NS), '%-d'), 2, ' ')`);
    expect(sql).to.contain(`strftime(CAST(t AS TIMESTAMP_NS), ' 100%% %Y')`);
  });

  it('needs literal formats, naming the function', () => {
    expect(() => rewrite('SELECT to_char(t, f) FROM m')).to.throw(/to_char needs its format as a string literal/);
    expect(() => rewrite("SELECT to_timestamp_millis(s, '%Y', f) FROM m")).to.throw(/to_timestamp_millis needs its format argument 3/);
  });

  it('leaves to_timestamp* without formats to their macros', () => {
    expect(rewrite('SELECT to_timestamp_seconds(1704067201)')).to.equal('SELECT to_timestamp_seconds(1704067201)');
  });

  it('gives date_part and extract as Int32, epoch as Float64', () => {
    expect(rewrite("SELECT date_part('hour', time), extract(day FROM time), date_part('epoch', time)")).to.equal(
      "SELECT CAST(date_part('hour', time) AS INTEGER), CAST(extract(day FROM time) AS INTEGER), CAST(date_part('epoch', time) AS DOUBLE)",
    );
  });

  it('reads TIMESTAMP as nanoseconds in casts and literals, but not an alias named timestamp', () => {
    expect(rewrite("SELECT x::TIMESTAMP, CAST(y AS timestamp), TIMESTAMP '2024-01-01', 0::TIMESTAMP, z::TIMESTAMP WITH TIME ZONE FROM (SELECT 1 AS timestamp)")).to.equal(
      "SELECT x::TIMESTAMP_NS, CAST(y AS TIMESTAMP_NS), TIMESTAMP_NS '2024-01-01', make_timestamp_ns(0), z::TIMESTAMP WITH TIME ZONE FROM (SELECT 1 AS timestamp)",
    );
  });

  it('makes tz() a zoned struct, checks the zone, and reads a zoned operand of AT TIME ZONE as its instant', () => {
    expect(rewrite("SELECT tz(time, 'Asia/Tokyo')")).to.equal(`SELECT struct_pack("__iox_tz:Asia/Tokyo" := CAST(time AS TIMESTAMP_NS))`);
    expect(() => rewrite("SELECT tz(time, 'Mars/Base')")).to.throw(/Invalid timezone "Mars\/Base"/);
    expect(rewrite("SELECT 1 WHERE (t) AT TIME ZONE 'UTC' > x")).to.match(/^SELECT 1 WHERE struct_pack\("__iox_tz:UTC" := CASE WHEN typeof\(\(t\)\)/);
    expect(rewrite("SELECT tz(time, 'UTC') AT TIME ZONE 'Europe/Paris'")).to.contain(`struct_extract(struct_pack("__iox_tz:UTC" := CAST(time AS TIMESTAMP_NS)), '__iox_tz:UTC')`);
  });
});
