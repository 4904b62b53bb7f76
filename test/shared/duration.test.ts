import { expect } from 'chai';
import { formatDurationNs, parseDurationMs, parseDurationNs } from '../../src/shared/duration.js';

describe('shared/duration', () => {
  it('parses humantime units and combinations', () => {
    expect(parseDurationMs('1s')).to.equal(1000);
    expect(parseDurationMs('250ms')).to.equal(250);
    expect(parseDurationMs('1h 30m')).to.equal(5_400_000);
    expect(parseDurationMs('2days')).to.equal(172_800_000);
    expect(parseDurationNs('10us')).to.equal(10_000n);
    expect(parseDurationNs('1M')).to.equal(2_630_016_000_000_000n);
    expect(parseDurationNs('1y')).to.equal(31_557_600_000_000_000n);
    expect(parseDurationMs('1w')).to.equal(604_800_000);
  });

  it('names the offending value and unit', () => {
    expect(() => parseDurationNs('10 parsecs')).to.throw("unknown time unit 'parsecs'");
    expect(() => parseDurationNs('abc')).to.throw("invalid duration 'abc'");
    expect(() => parseDurationNs('')).to.throw('empty');
    expect(() => parseDurationNs('10')).to.throw("invalid duration '10'");
  });

  it('renders like humantime', () => {
    expect(formatDurationNs(90_000_000_000n)).to.equal('1m 30s');
    expect(formatDurationNs(86_400_000_000_000n * 2n + 1_000_000n)).to.equal('2days 1ms');
    expect(formatDurationNs(86_400_000_000_000n)).to.equal('1day');
    expect(formatDurationNs(0n)).to.equal('0s');
  });
});
