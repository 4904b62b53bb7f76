import { expect } from 'chai';
import { parseInfluxql } from '../../../../src/storage/query/influxql/parser.js';
import type { SelectStatement } from '../../../../src/storage/query/influxql/ast.js';
import { formatGoDuration, parseTimeString, timeRange } from '../../../../src/storage/query/influxql/time.js';

const S = 1_000_000_000n;
const where = (cond: string) => (parseInfluxql(`SELECT x FROM m WHERE ${cond}`)[0] as SelectStatement).where;

describe('InfluxQL time', () => {
  it('parses RFC3339 (fractions, zones), SQL-style and date-only strings to nanoseconds', () => {
    expect(parseTimeString('1970-01-01T00:00:01Z')).to.equal(S);
    expect(parseTimeString('2023-11-14T22:13:20Z')).to.equal(1_700_000_000n * S);
    expect(parseTimeString('2023-11-14T22:13:20.123456789Z')).to.equal(1_700_000_000n * S + 123_456_789n);
    expect(parseTimeString('2023-11-15T00:13:20+02:00')).to.equal(1_700_000_000n * S);
    expect(parseTimeString('2023-11-14 22:13:20.5')).to.equal(1_700_000_000n * S + 500_000_000n);
    expect(parseTimeString('2023-11-14')).to.equal(1_699_920_000n * S);
    expect(parseTimeString('1969-12-31T23:59:59Z')).to.equal(-S);
    expect(() => parseTimeString('yesterday')).to.throw(/invalid time string 'yesterday'/);
  });

  it('formats like Go durations', () => {
    expect(formatGoDuration(0n)).to.equal('0s');
    expect(formatGoDuration(168n * 3600n * S)).to.equal('168h0m0s');
    expect(formatGoDuration(90n * S)).to.equal('1m30s');
  });

  it('derives inclusive bounds from now(), strings, epoch integers with units and both operand orders', () => {
    const now = 10_000n * S;
    expect(timeRange(where('time > now() - 1h'), now)).to.deep.equal({ min: now - 3600n * S + 1n });
    expect(timeRange(where('time >= 1700000000000ms and time <= 1700003600000ms'), now)).to.deep.equal({ min: 1_700_000_000n * S, max: 1_700_003_600n * S });
    expect(timeRange(where("time >= '2023-11-14T22:13:20Z' AND time < '2023-11-14T22:13:20Z' + 1m"), now)).to.deep.equal({
      min: 1_700_000_000n * S,
      max: 1_700_000_060n * S - 1n,
    });
    expect(timeRange(where('now() - 10s <= time AND host = \'a\''), now)).to.deep.equal({ min: now - 10n * S });
    expect(timeRange(where('time = 1700000000s'), now)).to.deep.equal({ min: 1_700_000_000n * S, max: 1_700_000_000n * S });
    expect(timeRange(where('time > 5 OR time < 2'), now)).to.deep.equal({});
  });
});
