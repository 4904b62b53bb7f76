import { expect } from 'chai';
import { decideOnError, DEFAULT_RETRY_POLICY } from '../../../src/engine/triggers/error-behavior.js';

describe('engine/triggers/error-behavior', () => {
  const error = { message: 'ValueError: boom' };

  it('log: the failure is only logged', () => {
    expect(decideOnError('log', error, 0)).to.deep.equal({ action: 'log' });
    expect(decideOnError('log', error, 7)).to.deep.equal({ action: 'log' });
  });

  it('disable: the trigger stops, naming the failure', () => {
    expect(decideOnError('disable', error, 0)).to.deep.equal({
      action: 'disable',
      reason: 'error_behavior is disable and a call failed: ValueError: boom',
    });
  });

  it('retry: 100 ms doubling, five times, then the event is given up', () => {
    const delays = [0, 1, 2, 3, 4].map((attempt) => decideOnError('retry', error, attempt));
    expect(delays).to.deep.equal([100, 200, 400, 800, 1600].map((delayMs, i) => ({ action: 'retry', delayMs, retry: i + 1, maxRetries: 5 })));
    expect(decideOnError('retry', error, 5)).to.deep.equal({ action: 'give-up', retries: 5 });
  });

  it('retry: the delay is capped', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 20 };
    expect(decideOnError('retry', error, 15, policy)).to.include({ action: 'retry', delayMs: 30_000 });
  });
});
