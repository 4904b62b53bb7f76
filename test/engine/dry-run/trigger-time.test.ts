import { expect } from 'chai';
import { rfc3339Seconds, utcSeconds } from '../../../src/engine/dry-run/trigger-time.js';

describe('engine/dry-run/trigger-time', () => {
  it('formats trigger times as upstream does', () => {
    const d = new Date('2026-01-01T00:00:05.000Z');
    expect(rfc3339Seconds(d)).to.equal('2026-01-01T00:00:05Z');
    expect(utcSeconds(d)).to.equal('2026-01-01 00:00:05 UTC');
  });
});
