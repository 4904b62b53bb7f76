import { expect } from 'chai';
import { backoffMs, type BackoffPolicy } from '../../../src/engine/supervisor/backoff.js';

describe('engine/supervisor/backoff', () => {
  const policy: BackoffPolicy = { initialMs: 250, maxMs: 30_000, factor: 2, jitter: 0.2 };

  it('doubles from the initial delay and stops at the cap', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((n) => backoffMs(policy, n, mid))).to.deep.equal([250, 500, 1000, 2000]);
    expect(backoffMs(policy, 8, mid)).to.equal(30_000);
    expect(backoffMs(policy, 50, mid)).to.equal(30_000);
    expect(backoffMs(policy, 0, mid), 'n below 1 counts as the first').to.equal(250);
  });

  it('jitters by ±fraction, never above the cap', () => {
    expect(backoffMs(policy, 1, () => 0)).to.equal(200);
    expect(backoffMs(policy, 1, () => 1)).to.equal(300);
    expect(backoffMs(policy, 20, () => 0)).to.equal(24_000);
    expect(backoffMs(policy, 20, () => 1)).to.equal(30_000);
  });

  it('is exact without jitter', () => {
    const exact = { ...policy, initialMs: 100, jitter: 0 };
    expect([1, 2, 3].map((n) => backoffMs(exact, n, () => 1))).to.deep.equal([100, 200, 400]);
  });
});
