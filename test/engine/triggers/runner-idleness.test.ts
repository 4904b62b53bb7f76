import { expect } from 'chai';
import { MAX_WARM_UP_LEAD_MS, MIN_WARM_UP_LEAD_MS, RunnerIdleness, planIdle } from '../../../src/engine/triggers/runner-idleness.js';
import { FakeClock } from '../fake-clock.js';

// A worker as RunnerIdleness sees it: a state the test sets, parks and wakes recorded.
function control(clock: FakeClock) {
  const seen: string[] = [];
  const w = {
    state: 'running',
    inFlight: 0,
    seen,
    ready: null as null | (() => void),
    control: {
      busy: () => w.inFlight > 0,
      state: () => w.state,
      park: () => {
        seen.push(`park@${clock.nowMs()}`);
        w.state = 'parked';
      },
      wake: (ready: () => void) => {
        seen.push(`wake@${clock.nowMs()}`);
        w.state = 'starting';
        w.ready = ready;
      },
    },
  };
  return w;
}

const T0 = 1_700_000_000_000;

describe('engine/triggers/runner-idleness', () => {
  describe('planIdle', () => {
    it('never stops without an idle timeout', () => {
      expect(planIdle(T0, null, null, 2_000)).to.deep.equal({ stopAtMs: null, wakeAtMs: null });
      expect(planIdle(T0, null, T0 + 3_600_000, 2_000)).to.deep.equal({ stopAtMs: null, wakeAtMs: null });
    });

    it('stops after the timeout when nothing is known to come (WAL, request)', () => {
      expect(planIdle(T0, 60_000, null, 2_000)).to.deep.equal({ stopAtMs: T0 + 60_000, wakeAtMs: null });
    });

    it('keeps a runner whose next run would have it started again before the timeout ends', () => {
      // every:1m with a 60 s timeout: the next fire is 60 s away, the wake would be at 58 s, before the stop.
      expect(planIdle(T0, 60_000, T0 + 60_000, 2_000)).to.deep.equal({ stopAtMs: null, wakeAtMs: null });
      // Exactly at the boundary it is kept too.
      expect(planIdle(T0, 60_000, T0 + 62_000, 2_000)).to.deep.equal({ stopAtMs: null, wakeAtMs: null });
    });

    it('stops a runner whose next run is further away, and wakes it the lead ahead of that run', () => {
      expect(planIdle(T0, 60_000, T0 + 62_001, 2_000)).to.deep.equal({ stopAtMs: T0 + 60_000, wakeAtMs: T0 + 60_001 });
      expect(planIdle(T0, 60_000, T0 + 3_600_000, 5_000)).to.deep.equal({ stopAtMs: T0 + 60_000, wakeAtMs: T0 + 3_595_000 });
    });
  });

  describe('RunnerIdleness (fake clock)', () => {
    it('parks an idle runner after the timeout, and not while it is busy', async () => {
      const clock = new FakeClock(T0);
      const w = control(clock);
      const idle = new RunnerIdleness(10_000, clock, w.control);
      idle.settle();
      await clock.advance(5_000);
      w.inFlight = 1;
      idle.busy();
      await clock.advance(20_000);
      expect(w.seen, 'busy: no stop').to.deep.equal([]);
      w.inFlight = 0;
      idle.settle();
      await clock.advance(9_999);
      expect(w.seen).to.deep.equal([]);
      await clock.advance(1);
      expect(w.seen).to.deep.equal([`park@${T0 + 35_000}`]);
      expect(clock.pending, 'nothing known to come: no wake timer').to.equal(0);
      idle.close();
    });

    it('without a timeout it arms nothing', async () => {
      const clock = new FakeClock(T0);
      const w = control(clock);
      const idle = new RunnerIdleness(null, clock, w.control);
      idle.expect(T0 + 3_600_000);
      idle.settle();
      expect(clock.pending).to.equal(0);
      expect(idle.enabled).to.equal(false);
    });

    it('schedule: parks between far-apart runs and wakes the lead ahead of the next one', async () => {
      const clock = new FakeClock(T0);
      const w = control(clock);
      const idle = new RunnerIdleness(10_000, clock, w.control);
      for (let i = 0; i < 10; i++) idle.noteStart(400);
      expect(idle.leadMs, 'fast starts: the minimum lead').to.equal(MIN_WARM_UP_LEAD_MS);
      idle.expect(T0 + 600_000);
      await clock.advance(10_000);
      expect(w.seen).to.deep.equal([`park@${T0 + 10_000}`]);
      await clock.advance(600_000 - 10_000 - MIN_WARM_UP_LEAD_MS - 1);
      expect(w.seen).to.have.length(1);
      await clock.advance(1);
      expect(w.seen).to.deep.equal([`park@${T0 + 10_000}`, `wake@${T0 + 600_000 - MIN_WARM_UP_LEAD_MS}`]);
      // Ready: the run is due within the timeout, so nothing is armed until it has run.
      w.state = 'running';
      w.ready!();
      expect(clock.pending).to.equal(0);
      idle.close();
    });

    it('schedule: a trigger that fires more often than the timeout is never parked', async () => {
      const clock = new FakeClock(T0);
      const w = control(clock);
      const idle = new RunnerIdleness(60_000, clock, w.control);
      for (let fire = 1; fire <= 10; fire++) {
        idle.expect(T0 + fire * 60_000);
        await clock.advance(60_000);
        w.inFlight = 1;
        idle.busy();
        w.inFlight = 0;
        idle.settle();
      }
      expect(w.seen).to.deep.equal([]);
      idle.close();
    });

    it('the lead follows the slowest recent start, within its bounds', () => {
      const clock = new FakeClock(T0);
      const idle = new RunnerIdleness(1_000, clock, control(clock).control);
      idle.noteStart(4_000);
      expect(idle.leadMs).to.equal(12_000);
      idle.noteStart(100);
      expect(idle.leadMs, 'a fast start lets the slow one fade, not vanish').to.equal(9_000);
      idle.noteStart(10 * 60_000);
      expect(idle.leadMs).to.equal(MAX_WARM_UP_LEAD_MS);
    });

    it('a parked runner learning of a run already within the lead is woken at once', async () => {
      const clock = new FakeClock(T0);
      const w = control(clock);
      w.state = 'parked';
      const idle = new RunnerIdleness(10_000, clock, w.control);
      idle.expect(T0 + 500);
      await clock.advance(0);
      expect(w.seen).to.deep.equal([`wake@${T0}`]);
      idle.close();
    });

    it('a runner still starting (or restarting) at the stop time is looked at again later', async () => {
      const clock = new FakeClock(T0);
      const w = control(clock);
      const idle = new RunnerIdleness(10_000, clock, w.control);
      idle.settle();
      w.state = 'backoff';
      await clock.advance(10_000);
      expect(w.seen).to.deep.equal([]);
      w.state = 'running';
      await clock.advance(10_000);
      expect(w.seen).to.deep.equal([`park@${T0 + 20_000}`]);
      idle.close();
    });

    it('close() cancels its timers', async () => {
      const clock = new FakeClock(T0);
      const w = control(clock);
      const idle = new RunnerIdleness(10_000, clock, w.control);
      idle.settle();
      idle.close();
      expect(clock.pending).to.equal(0);
      await clock.advance(60_000);
      expect(w.seen).to.deep.equal([]);
    });

    it('waits longer than a Node timer can hold in steps (a yearly schedule)', async () => {
      const clock = new FakeClock(T0);
      const w = control(clock);
      w.state = 'parked';
      const idle = new RunnerIdleness(10_000, clock, w.control);
      const year = 365 * 86_400_000;
      idle.expect(T0 + year);
      expect(clock.pendingDelays()[0]).to.be.at.most(2_147_483_647);
      await clock.advance(year - idle.leadMs - 1);
      expect(w.seen).to.deep.equal([]);
      await clock.advance(1);
      expect(w.seen).to.deep.equal([`wake@${T0 + year - idle.leadMs}`]);
      idle.close();
    });
  });
});
