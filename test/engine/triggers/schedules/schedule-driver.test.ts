import { expect } from 'chai';
import { EARLY_DISPATCH_MS, ScheduleDriver } from '../../../../src/engine/triggers/schedules/schedule-driver.js';
import type { TriggerEvent } from '../../../../src/engine/triggers/trigger-event.js';
import { parseTriggerSpec } from '../../../../src/engine/triggers/trigger-spec.js';
import type { ScheduleSpec } from '../../../../src/engine/triggers/schedules/schedule-slots.js';
import { FakeClock } from '../../fake-clock.js';

type ScheduleEvent = Extract<TriggerEvent, { kind: 'schedule' }>;

function driver(spec: string, sequential: boolean, startMs = 1_700_000_000_250) {
  const clock = new FakeClock(startMs);
  const events: ScheduleEvent[] = [];
  const d = new ScheduleDriver(parseTriggerSpec(spec) as ScheduleSpec, {
    push: (e) => events.push(e as ScheduleEvent),
    sequential,
    clock,
  });
  return { clock, events, d };
}

describe('engine/triggers/schedules/schedule-driver', () => {
  it('fires every:1s on epoch-aligned seconds and passes the planned time', async () => {
    const { clock, events, d } = driver('every:1s', true);
    d.start();
    await clock.advance(750);
    expect(events.map((e) => e.plannedMs)).to.deep.equal([1_700_000_001_000]);
    events[0]!.done!();
    await clock.advance(1000);
    expect(events.map((e) => e.plannedMs)).to.deep.equal([1_700_000_001_000, 1_700_000_002_000]);
    expect(events[1]!.missed).to.equal(0);
    d.stop();
  });

  it('sequential: a run that overruns three slots yields one coalesced run at the latest due slot', async () => {
    const { clock, events, d } = driver('every:1s', true);
    d.start();
    await clock.advance(750); // fires at …001.000
    await clock.advance(3_500); // the run takes 3.5 s: slots 002, 003, 004 pass
    events[0]!.done!();
    await clock.advance(0);
    expect(events).to.have.length(2);
    expect(events[1]).to.deep.include({ plannedMs: 1_700_000_004_000, missed: 3 });
    d.stop();
  });

  it('run_async: plans the next slot when a run starts', async () => {
    const { clock, events, d } = driver('every:1s', false);
    d.start();
    await clock.advance(3_700);
    expect(events.map((e) => e.plannedMs)).to.deep.equal([1_700_000_001_000, 1_700_000_002_000, 1_700_000_003_000]);
    expect(events.every((e) => e.done === undefined)).to.equal(true);
    d.stop();
  });

  it('cron: fires at matching seconds in UTC', async () => {
    const { clock, events, d } = driver('cron:*/5 * * * * *', false, Date.UTC(2026, 0, 1, 0, 0, 1));
    d.start();
    await clock.advance(10_000);
    expect(events.map((e) => new Date(e.plannedMs).toISOString())).to.deep.equal(['2026-01-01T00:00:05.000Z', '2026-01-01T00:00:10.000Z']);
    d.stop();
  });

  it('hands a run over EARLY_DISPATCH_MS before its planned time (the runner starts it on time)', async () => {
    const { clock, events, d } = driver('every:1s', false);
    d.start();
    await clock.advance(750 - EARLY_DISPATCH_MS - 1);
    expect(events).to.have.length(0);
    await clock.advance(1);
    expect(events.map((e) => e.plannedMs)).to.deep.equal([1_700_000_001_000]);
    expect(clock.nowMs()).to.equal(1_700_000_001_000 - EARLY_DISPATCH_MS);
    d.stop();
  });

  it('stop() cancels the pending fire', async () => {
    const { clock, events, d } = driver('every:1s', false);
    d.start();
    d.stop();
    await clock.advance(5_000);
    expect(events).to.have.length(0);
    expect(clock.pending).to.equal(0);
  });

  it('tells onPlanned each next planned time as soon as it is known (a runner stopped for idleness is started for it)', async () => {
    const clock = new FakeClock(1_700_000_000_250);
    const planned: Array<number | null> = [];
    const events: ScheduleEvent[] = [];
    const d = new ScheduleDriver(parseTriggerSpec('every:10m') as ScheduleSpec, {
      push: (e) => events.push(e as ScheduleEvent),
      sequential: true,
      clock,
      onPlanned: (ms) => planned.push(ms),
    });
    d.start();
    const first = Math.ceil(1_700_000_000_250 / 600_000) * 600_000;
    expect(planned).to.deep.equal([first]);
    await clock.advance(first - clock.nowMs());
    expect(events).to.have.length(1);
    events[0]!.done!();
    expect(planned.at(-1)).to.equal(first + 600_000);
    d.stop();
  });
});
