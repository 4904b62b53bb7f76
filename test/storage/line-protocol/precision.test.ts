import { expect } from 'chai';
import { isAppError } from '../../../src/shared/app-error.js';
import { parsePrecision, resolveAutoPrecision, toNanoseconds } from '../../../src/storage/line-protocol/precision.js';

describe('storage/line-protocol/precision', () => {
  it('accepts every spelling and defaults to auto', () => {
    expect(parsePrecision(undefined)).to.equal('auto');
    for (const [s, p] of [['nanosecond', 'ns'], ['ns', 'ns'], ['n', 'ns'], ['microsecond', 'us'], ['us', 'us'], ['u', 'us'], ['millisecond', 'ms'], ['ms', 'ms'], ['second', 's'], ['s', 's'], ['auto', 'auto']]) {
      expect(parsePrecision(s), s).to.equal(p);
    }
  });

  it('names a bad precision and the accepted forms', () => {
    expect(() => parsePrecision('minutes')).to.throw(/minutes/);
    try {
      parsePrecision('h');
      expect.fail('should throw');
    } catch (err) {
      expect(isAppError(err)).to.equal(true);
      if (!isAppError(err)) return;
      expect(err.status).to.equal(400);
      expect(err.code).to.equal('invalid_precision');
      expect(err.message).to.equal(
        "invalid precision 'h': expected one of auto, nanosecond (ns, n), microsecond (us, u), millisecond (ms), second (s)",
      );
    }
    for (const bad of ['NS', 'Second', ' s', 'nanoseconds']) expect(() => parsePrecision(bad), bad).to.throw(/invalid precision/);
  });

  it('treats an empty precision parameter as not given', () => {
    expect(parsePrecision('')).to.equal('auto');
  });

  it('converts with the explicit precision', () => {
    expect(toNanoseconds(5n, 's', 0n)).to.equal(5_000_000_000n);
    expect(toNanoseconds(5n, 'ms', 0n)).to.equal(5_000_000n);
    expect(toNanoseconds(5n, 'us', 0n)).to.equal(5_000n);
    expect(toNanoseconds(5n, 'ns', 0n)).to.equal(5n);
    expect(toNanoseconds(null, 's', 42n)).to.equal(42n);
  });

  it('guesses auto precision from the magnitude like InfluxDB 3', () => {
    expect(toNanoseconds(1_700_000_000n, 'auto', 0n)).to.equal(1_700_000_000_000_000_000n); // seconds
    expect(toNanoseconds(1_700_000_000_000n, 'auto', 0n)).to.equal(1_700_000_000_000_000_000n); // ms
    expect(toNanoseconds(1_700_000_000_000_000n, 'auto', 0n)).to.equal(1_700_000_000_000_000_000n); // us
    expect(toNanoseconds(1_700_000_000_000_000_000n, 'auto', 0n)).to.equal(1_700_000_000_000_000_000n); // ns
    expect(toNanoseconds(4_999_999_999n, 'auto', 0n)).to.equal(4_999_999_999_000_000_000n); // < 5 → s
    expect(toNanoseconds(5_000_000_000n, 'auto', 0n)).to.equal(5_000_000_000_000_000n); // ms
  });

  it('switches units exactly at the auto thresholds, by magnitude for negative times too', () => {
    const cases: Array<[bigint, string]> = [
      [0n, 's'],
      [4_999_999_999n, 's'],
      [5_000_000_000n, 'ms'],
      [4_999_999_999_999n, 'ms'],
      [5_000_000_000_000n, 'us'],
      [4_999_999_999_999_999n, 'us'],
      [5_000_000_000_000_000n, 'ns'],
      [-4_999_999_999n, 's'],
      [-5_000_000_000n, 'ms'],
      [-5_000_000_000_000_000n, 'ns'],
    ];
    for (const [ts, unit] of cases) expect(resolveAutoPrecision(ts), String(ts)).to.equal(unit);
    expect(toNanoseconds(-1_700_000_000n, 'auto', 0n)).to.equal(-1_700_000_000_000_000_000n);
    expect(toNanoseconds(4_999_999_999_999_999n, 'auto', 0n)).to.equal(4_999_999_999_999_999_000n);
  });

  it('uses the default time for lines without a timestamp, whatever the precision', () => {
    for (const p of ['auto', 'ns', 'us', 'ms', 's'] as const) expect(toNanoseconds(null, p, 123n)).to.equal(123n);
  });

  it('refuses timestamps that leave the int64 nanosecond range after scaling', () => {
    expect(toNanoseconds(9_223_372_036n, 's', 0n)).to.equal(9_223_372_036_000_000_000n);
    expect(() => toNanoseconds(9_223_372_037n, 's', 0n)).to.throw(/invalid timestamp '9223372037': in s it is outside the int64 nanosecond range/);
    expect(() => toNanoseconds(-9_223_372_037n, 's', 0n)).to.throw(/outside the int64/);
    expect(() => toNanoseconds(9_223_372_036_854_776n, 'ms', 0n)).to.throw(/in ms/);
    expect(toNanoseconds(9_223_372_036_854_775_807n, 'ns', 0n)).to.equal(9_223_372_036_854_775_807n);
    try {
      toNanoseconds(10_000_000_000_000_000n, 'us', 0n);
      expect.fail('should throw');
    } catch (err) {
      expect(isAppError(err) && err.status).to.equal(400);
    }
  });
});
