import { expect } from 'chai';
import { ACTIVITY_MINUTES, TriggerActivity } from '../../../src/engine/runners/trigger-activity.js';

const MINUTE_MS = 60_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % MINUTE_MS);

describe('engine/runners/trigger-activity: calls and errors per minute over the last hour', () => {
  it('counts calls and errors in the minute they happened, oldest minute first, zeros elsewhere', () => {
    const a = new TriggerActivity();
    a.record('db/t', false, T0 + 1_000);
    a.record('db/t', true, T0 + 59_999);
    a.record('db/t', true, T0 + 2 * MINUTE_MS);
    const hour = a.lastHour('db/t', T0 + 2 * MINUTE_MS + 5);
    expect(hour).to.have.length(ACTIVITY_MINUTES);
    expect(hour[59]).to.deep.equal({ minuteMs: T0 + 2 * MINUTE_MS, calls: 1, errors: 1 });
    expect(hour[58]).to.deep.equal({ minuteMs: T0 + MINUTE_MS, calls: 0, errors: 0 });
    expect(hour[57]).to.deep.equal({ minuteMs: T0, calls: 2, errors: 1 });
    expect(hour[0]!.minuteMs).to.equal(T0 + 2 * MINUTE_MS - 59 * MINUTE_MS);
  });

  it('drops minutes older than an hour, also when their slot is reused', () => {
    const a = new TriggerActivity();
    a.record('db/t', true, T0);
    expect(a.lastHour('db/t', T0 + 59 * MINUTE_MS)[0]).to.deep.equal({ minuteMs: T0, calls: 1, errors: 1 });
    expect(a.lastHour('db/t', T0 + 60 * MINUTE_MS).every((m) => m.calls === 0)).to.equal(true);
    // Same slot, an hour later: starts again from zero.
    a.record('db/t', false, T0 + 60 * MINUTE_MS);
    expect(a.lastHour('db/t', T0 + 60 * MINUTE_MS)[59]).to.deep.equal({ minuteMs: T0 + 60 * MINUTE_MS, calls: 1, errors: 0 });
  });

  it('keeps triggers apart and forgets a deleted one', () => {
    const a = new TriggerActivity();
    a.record('db/a', false, T0);
    a.record('db/b', true, T0);
    expect(a.lastHour('db/a', T0)[59]).to.deep.equal({ minuteMs: T0, calls: 1, errors: 0 });
    a.forget('db/b');
    expect(a.lastHour('db/b', T0)[59]).to.deep.equal({ minuteMs: T0, calls: 0, errors: 0 });
    expect(a.lastHour('never', T0)).to.have.length(ACTIVITY_MINUTES);
  });
});
