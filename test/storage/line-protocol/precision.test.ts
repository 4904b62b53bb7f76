import { expect } from 'chai';
import { parsePrecision, toNanoseconds } from '../../../src/storage/line-protocol/precision.js';

describe('storage/line-protocol/precision', () => {
  it('accepts every spelling and defaults to auto', () => {
    expect(parsePrecision(undefined)).to.equal('auto');
    for (const [s, p] of [['nanosecond', 'ns'], ['ns', 'ns'], ['n', 'ns'], ['microsecond', 'us'], ['us', 'us'], ['u', 'us'], ['millisecond', 'ms'], ['ms', 'ms'], ['second', 's'], ['s', 's'], ['auto', 'auto']]) {
      expect(parsePrecision(s), s).to.equal(p);
    }
  });

  it('names a bad precision and the accepted forms', () => {
    expect(() => parsePrecision('minutes')).to.throw(/minutes/);
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
});
