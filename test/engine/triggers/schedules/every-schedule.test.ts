import { expect } from 'chai';
import fc from 'fast-check';
import {
  firstEveryFireMs,
  missedSlots,
  nextEveryFireMs,
  overrunWarning,
  planEveryAfterRun,
} from '../../../../src/engine/triggers/schedules/every-schedule.js';
import { planAfterRun, planSlotsAfterRun, slotFunction, type ScheduleSpec } from '../../../../src/engine/triggers/schedules/schedule-slots.js';
import { parseTriggerSpec } from '../../../../src/engine/triggers/trigger-spec.js';

const at = (iso: string): number => Date.parse(iso);
const scheduleSpec = (text: string): ScheduleSpec => parseTriggerSpec(text) as ScheduleSpec;

describe('engine/triggers/every-schedule', () => {
  it('aligns the first fire to the epoch, strictly after now', () => {
    expect(firstEveryFireMs(12_345, 10_000)).to.equal(20_000);
    expect(firstEveryFireMs(20_000, 10_000)).to.equal(30_000);
    expect(firstEveryFireMs(19_999, 10_000)).to.equal(20_000);
    expect(firstEveryFireMs(0, 1)).to.equal(1);
    expect(firstEveryFireMs(at('2025-01-01T10:17:42.5Z'), 3_600_000)).to.equal(at('2025-01-01T11:00:00Z'));
    expect(firstEveryFireMs(at('2025-01-01T10:17:42.5Z'), 90_000)).to.equal(at('2025-01-01T10:18:00Z'));
  });

  it('then adds the period to the planned time', () => {
    expect(nextEveryFireMs(20_000, 10_000)).to.equal(30_000);
  });

  it('every first fire is a multiple of the period within one period of now', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 1, max: 31_557_600_000 }), (now, period) => {
        const first = firstEveryFireMs(now, period);
        expect(first % period).to.equal(0);
        expect(first).to.be.greaterThan(now);
        expect(first - now).to.be.at.most(period);
      }),
    );
  });

  it('counts missed slots of an overrunning run', () => {
    expect(missedSlots(10_000, 10_500, 1000)).to.equal(0);
    expect(missedSlots(10_000, 10_999, 1000)).to.equal(0);
    expect(missedSlots(10_000, 11_000, 1000)).to.equal(1);
    expect(missedSlots(10_000, 13_500, 1000)).to.equal(3);
    expect(missedSlots(10_000, 9_000, 1000)).to.equal(0);
    expect(() => missedSlots(0, 1, 0)).to.throw('at least 1 ms');
  });

  it('coalesces missed slots into one run at the latest instead of a burst', () => {
    expect(planEveryAfterRun(10_000, 10_400, 1000)).to.deep.equal({ nextPlannedMs: 11_000, missed: 0 });
    // A 3.5 s run of a 1 s schedule: slots 11, 12, 13 passed; one run for 13 now, then 14.
    expect(planEveryAfterRun(10_000, 13_500, 1000)).to.deep.equal({ nextPlannedMs: 13_000, missed: 3 });
    expect(planEveryAfterRun(13_000, 13_200, 1000)).to.deep.equal({ nextPlannedMs: 14_000, missed: 0 });
  });

  it('words the WARN with the count', () => {
    expect(overrunWarning(3, at('2025-01-01T00:00:03Z'))).to.equal(
      'previous run overran: 3 scheduled runs missed, coalesced into one run for 2025-01-01T00:00:03.000Z',
    );
    expect(overrunWarning(1, 0)).to.include('1 scheduled run missed');
  });
});

describe('engine/triggers/schedule-slots', () => {
  it('gives one slot function for every: and cron:', () => {
    const every = slotFunction(scheduleSpec('every:10s'));
    expect(every(12_345)).to.equal(20_000);
    const cron = slotFunction(scheduleSpec('cron:*/5 * * * * *'));
    expect(cron(at('2025-01-01T00:00:01Z'))).to.equal(at('2025-01-01T00:00:05Z'));
    expect(slotFunction(scheduleSpec('cron:0 0 0 1 1 * 2020'))(at('2025-01-01T00:00:00Z'))).to.equal(null);
  });

  it('coalesces cron overruns the same way', () => {
    const spec = scheduleSpec('cron:*/5 * * * * *');
    const planned = at('2025-01-01T00:00:00Z');
    expect(planAfterRun(spec, planned, planned + 2_000)).to.deep.equal({ nextPlannedMs: planned + 5_000, missed: 0 });
    expect(planAfterRun(spec, planned, planned + 17_000)).to.deep.equal({ nextPlannedMs: planned + 15_000, missed: 3 });
    const hourly = scheduleSpec('cron:0 0 * * * *');
    expect(planAfterRun(hourly, planned, planned + 5 * 3_600_000 + 60_000)).to.deep.equal({
      nextPlannedMs: planned + 5 * 3_600_000,
      missed: 5,
    });
    expect(planAfterRun(scheduleSpec('cron:0 0 0 1 1 * 2025'), planned, planned + 1000)).to.deep.equal({ nextPlannedMs: null, missed: 0 });
  });

  it('the generic walk agrees with the closed form for every:', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 99_999 }), // the walk counts at most 100 000 missed slots
        (period, slot, overrun) => {
          const planned = slot * period;
          const spec = { kind: 'schedule', form: 'every', durationNs: BigInt(period) * 1_000_000n, periodMs: period } as const;
          const now = planned + overrun;
          expect(planSlotsAfterRun(slotFunction(spec), planned, now)).to.deep.equal(planEveryAfterRun(planned, now, period));
          expect(planAfterRun(spec, planned, now)).to.deep.equal(planEveryAfterRun(planned, now, period));
        },
      ),
      { numRuns: 300 },
    );
  });
});
