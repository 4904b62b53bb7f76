import { expect } from 'chai';
import type { DuckDBConnection } from '@duckdb/node-api';
import { functionsConnection } from '../../../../helpers/duckdb.js';
import { tokenize } from '../../../../../src/storage/query/sql-lexer.js';
import { functionEdits } from '../../../../../src/storage/query/functions/index.js';
import { timeQueryEdits } from '../../../../../src/storage/query/functions/time-query-edits.js';
import { applyEdits } from '../../../../../src/storage/query/sql-rewrite.js';

const rewrite = (sql: string): string => {
  const tokens = tokenize(sql);
  return applyEdits(sql, [...functionEdits(tokens), ...timeQueryEdits(sql, tokens)]);
};

// IOx's gap-filling test data (influxdb_iox query_tests gapfill.sql, OneMeasurementTwoSeries), run on DuckDB with
// the same session settings and macros as a query connection.
describe('storage/query/functions/gapfill: date_bin_gapfill, locf and interpolate', () => {
  let close: () => void;
  let conn: DuckDBConnection;

  before(async () => {
    ({ conn, close } = await functionsConnection());
    await conn.run(`CREATE TABLE cpu AS SELECT * FROM (VALUES
      (70.0::DOUBLE, 'a', TIMESTAMP_NS '2000-05-05 12:20:00', 23.2::DOUBLE),
      (NULL, 'a', TIMESTAMP_NS '2000-05-05 12:40:00', 21.0),
      (NULL, 'b', TIMESTAMP_NS '2000-05-05 12:31:00', 25.2),
      (60.0, 'b', TIMESTAMP_NS '2000-05-05 12:39:00', 28.9)) t(idle, region, time, "user")`);
  });

  after(() => {
    close?.();
  });

  async function rows(sql: string): Promise<unknown[][]> {
    const reader = await conn.runAndReadAll(rewrite(sql));
    return reader.getRowsJson() as unknown[][];
  }

  it('carries the last value forward per series, over missing bins and NULL aggregates', async () => {
    const got = await rows(`SELECT region, date_bin_gapfill(interval '5 minute', time) as minute, locf(min(cpu.user)) FROM cpu
      WHERE time between timestamp '2000-05-05T12:15:00Z' and timestamp '2000-05-05T12:59:00Z' GROUP BY region, minute`);
    const at = (m: string) => `2000-05-05 12:${m}:00`;
    expect(got).to.deep.equal([
      ['a', at('15'), null], ['a', at('20'), 23.2], ['a', at('25'), 23.2], ['a', at('30'), 23.2], ['a', at('35'), 23.2],
      ['a', at('40'), 21], ['a', at('45'), 21], ['a', at('50'), 21], ['a', at('55'), 21],
      ['b', at('15'), null], ['b', at('20'), null], ['b', at('25'), null], ['b', at('30'), 25.2], ['b', at('35'), 28.9],
      ['b', at('40'), 28.9], ['b', at('45'), 28.9], ['b', at('50'), 28.9], ['b', at('55'), 28.9],
    ]);
  });

  it('interpolates linearly between known values, not past them, and fills count with 0', async () => {
    const got = await rows(`SELECT date_bin_gapfill(interval '4 minutes', time) as four_minute, interpolate(min(cpu.idle)), interpolate(min(cpu."user")), count(*)
      FROM cpu WHERE time between timestamp '2000-05-05T12:19:00Z' and timestamp '2000-05-05T12:40:00Z' GROUP BY four_minute`);
    expect(got.map((r) => r.map((v) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v)))).to.deep.equal([
      ['2000-05-05 12:16:00', null, null, '0'],
      ['2000-05-05 12:20:00', 70, 23.2, '1'],
      ['2000-05-05 12:24:00', 67.5, 24.2, '0'],
      ['2000-05-05 12:28:00', 65, 25.2, '1'],
      ['2000-05-05 12:32:00', 62.5, 27.05, '0'],
      ['2000-05-05 12:36:00', 60, 28.9, '1'],
      ['2000-05-05 12:40:00', null, 21, '1'],
    ]);
  });

  it('stops before an excluded upper bound, honours an origin, and keeps the statement ORDER BY and LIMIT', async () => {
    const got = await rows(`SELECT date_bin_gapfill(interval '10 minute', time, timestamp '1970-01-01T00:00:07Z') as minute, region, count(cpu.user) AS n
      FROM cpu WHERE time >= '2000-05-05T12:00:00Z' AND time < '2000-05-05T12:50:07Z' AND region = 'b' GROUP BY minute, region ORDER BY minute DESC LIMIT 3`);
    expect(got).to.deep.equal([
      ['2000-05-05 12:40:07', 'b', '0'],
      ['2000-05-05 12:30:07', 'b', '2'],
      ['2000-05-05 12:20:07', 'b', '0'],
    ]);
  });

  it('refuses locf on a GROUP BY column and a second date_bin_gapfill', () => {
    expect(() => rewrite(`SELECT date_bin_gapfill(interval '1 minute', time) AS m, locf(region) FROM cpu WHERE time >= 'a' AND time < 'b' GROUP BY m, region`)).to.throw(
      'locf must be called on an aggregate column in a gap-filling query',
    );
    expect(() => rewrite(`SELECT date_bin_gapfill(interval '1 minute', time) AS m, date_bin_gapfill(interval '2 minute', time) AS n FROM cpu WHERE time >= 'a' AND time < 'b' GROUP BY m, n`)).to.throw(
      'DATE_BIN_GAPFILL specified more than once',
    );
  });
});
