import { expect } from 'chai';
import { displayValue, formatFloat, formatRfc3339, formatTimestampNs, parseType } from '../../../src/http/formats/format-values.js';

describe('formatTimestampNs', () => {
  it('prints chrono %.f: no fraction, or 3, 6 or 9 digits', () => {
    expect(formatTimestampNs(0n)).to.equal('1970-01-01T00:00:00');
    expect(formatTimestampNs(3_000_000_000_000_000_000n)).to.equal('2065-01-24T05:20:00');
    expect(formatTimestampNs(2998574931_000_000_000n)).to.equal('2065-01-07T17:28:51');
    expect(formatTimestampNs(1_123_000_000n)).to.equal('1970-01-01T00:00:01.123');
    expect(formatTimestampNs(1_123_456_000n)).to.equal('1970-01-01T00:00:01.123456');
    expect(formatTimestampNs(1_123_456_789n)).to.equal('1970-01-01T00:00:01.123456789');
    expect(formatTimestampNs(1_100_000_000n)).to.equal('1970-01-01T00:00:01.100');
  });

  it('handles times before the epoch and leap days', () => {
    expect(formatTimestampNs(-1n)).to.equal('1969-12-31T23:59:59.999999999');
    expect(formatTimestampNs(951_782_400_000_000_000n)).to.equal('2000-02-29T00:00:00');
    expect(formatTimestampNs(-9_223_372_036_854_775_808n)).to.equal('1677-09-21T00:12:43.145224192');
    expect(formatTimestampNs(9_223_372_036_854_775_807n)).to.equal('2262-04-11T23:47:16.854775807');
  });
});

describe('formatFloat', () => {
  it('writes floats as arrow-rs does', () => {
    expect(formatFloat(1)).to.equal('1.0');
    expect(formatFloat(0.64)).to.equal('0.64');
    expect(formatFloat(-2.5)).to.equal('-2.5');
    expect(formatFloat(0)).to.equal('0.0');
    expect(formatFloat(123456789)).to.equal('123456789.0');
    expect(formatFloat(1234567890)).to.equal('1234567890.0');
    expect(formatFloat(12345678901)).to.equal('1.2345678901e10');
    expect(formatFloat(1e21)).to.equal('1.0e21');
    expect(formatFloat(0.00001)).to.equal('0.00001');
    expect(formatFloat(0.000001)).to.equal('1.0e-6');
    expect(formatFloat(1.5e-7)).to.equal('1.5e-7');
    expect(formatFloat(0.1 + 0.2)).to.equal('0.30000000000000004');
    expect(formatFloat(Math.fround(0.1), true)).to.equal('0.1');
  });
});

describe('formatRfc3339', () => {
  it('formats like Go RFC3339Nano', () => {
    const S = 1_000_000_000n;
    expect(formatRfc3339(0n)).to.equal('1970-01-01T00:00:00Z');
    expect(formatRfc3339(1_700_000_000n * S + 120_000_000n)).to.equal('2023-11-14T22:13:20.12Z');
    expect(formatRfc3339(-1n)).to.equal('1969-12-31T23:59:59.999999999Z');
  });
});

describe('zoned timestamps', () => {
  const show = (ns: bigint, zone: string): string => displayValue(ns, parseType(`Timestamp(Nanosecond, Some("${zone}"))`));

  it("print the wall-clock time in the zone with that moment's offset", () => {
    expect(show(1_704_070_800_000_000_000n, 'America/New_York')).to.equal('2023-12-31T20:00:00-05:00');
    // Either side of the end of summer time in Paris (2020-10-25 01:00Z).
    expect(show(1_603_585_740_000_000_000n, 'Europe/Paris')).to.equal('2020-10-25T02:29:00+02:00');
    expect(show(1_603_589_340_000_000_000n, 'Europe/Paris')).to.equal('2020-10-25T02:29:00+01:00');
    expect(show(1_641_034_800_500_000_000n, 'Asia/Kolkata')).to.equal('2022-01-01T16:30:00.500+05:30');
    expect(show(0n, 'UTC')).to.equal('1970-01-01T00:00:00+00:00');
  });
});
