import { expect } from 'chai';
import { clockText, formatMs, formatRss, hasRecentErrors, parseTimestamp, sparkPoints, stateView } from '../src/engine-format.js';

describe('console/engine-format: how the engine pages show system table values', () => {
  it('reads the query API\'s zone-less UTC timestamps, any fraction length', () => {
    expect(parseTimestamp('2026-12-07T20:50:01')).to.equal(Date.parse('2026-12-07T20:50:01Z'));
    expect(parseTimestamp('2026-12-07T20:50:01.123456789')).to.equal(Date.parse('2026-12-07T20:50:01.123Z'));
    expect(parseTimestamp('2026-12-07T20:50:01.5')).to.equal(Date.parse('2026-12-07T20:50:01.500Z'));
    expect(parseTimestamp('2026-12-07T20:50:01+00:00')).to.equal(Date.parse('2026-12-07T20:50:01Z'));
    expect(parseTimestamp(null)).to.equal(null);
    expect(parseTimestamp('yesterday')).to.equal(null);
    expect(clockText(Date.parse('2026-12-07T20:50:01.123Z'))).to.equal('20:50:01.123');
  });

  it('formats durations and runner memory, with a dash for none', () => {
    expect(formatMs(null)).to.equal('—');
    expect(formatMs(1.234)).to.equal('1.23 ms');
    expect(formatMs(42.4)).to.equal('42 ms');
    expect(formatMs(1500)).to.equal('1.50 s');
    expect(formatRss(null)).to.equal('—');
    expect(formatRss(12 * 1024 * 1024)).to.equal('12.0 MiB');
  });

  it('names the engine\'s states as running / disabled / waiting / error, with reasons where they matter', () => {
    expect(stateView('running', null)).to.deep.equal({ label: 'running', tone: 'ok', reason: null });
    expect(stateView('disabled', 'error_behavior=disable: ValueError: boom')).to.deep.equal({ label: 'disabled', tone: 'off', reason: 'error_behavior=disable: ValueError: boom' });
    expect(stateView('waiting-for-environment', 'python3 not found')).to.deep.equal({ label: 'waiting', tone: 'wait', reason: 'python3 not found' });
    expect(stateView('failed', 'cannot start runner')).to.deep.equal({ label: 'error', tone: 'bad', reason: 'cannot start runner' });
    expect(stateView('engine-disabled', null).reason).to.match(/without a plugin directory/);
    expect(stateView('running', null, true)).to.deep.equal({ label: 'running, failing', tone: 'bad', reason: null });
    expect(stateView('disabled', 'x', true).label).to.equal('disabled');
    expect(hasRecentErrors([{ errors: 3 }, { errors: 0 }, { errors: 0 }])).to.equal(false);
    expect(hasRecentErrors([{ errors: 0 }, { errors: 1 }, { errors: 0 }])).to.equal(true);
    expect(hasRecentErrors([])).to.equal(false);
  });

  it('draws sparkline points across the box, scaled to the maximum, zeros on the base line', () => {
    expect(sparkPoints([0, 5, 10], 100, 20, 10)).to.equal('0,20 50,10 100,0');
    expect(sparkPoints([0, 0], 10, 20, 0)).to.equal('0,20 10,20');
    expect(sparkPoints([3], 10, 20, 3)).to.equal('0,0');
    expect(sparkPoints([], 10, 20, 1)).to.equal('');
  });
});
