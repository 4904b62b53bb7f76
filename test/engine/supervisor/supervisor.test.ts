import { expect } from 'chai';
import { Supervisor, SupervisorUnavailableError, type SupervisorOptions } from '../../../src/engine/supervisor/supervisor.js';
import { FakeClock, flushPromises } from '../fake-clock.js';

class FakeChild {
  stopped = false;
  reason = '';
  private resolveExit!: () => void;
  readonly exited = new Promise<void>((resolve) => (this.resolveExit = resolve));
  constructor(readonly id: number) {}
  die(reason: string): void {
    this.reason = reason;
    this.resolveExit();
  }
}

function harness(overrides: Partial<SupervisorOptions<FakeChild>> = {}) {
  const clock = new FakeClock();
  const children: FakeChild[] = [];
  const gaveUp: string[] = [];
  const restarts: Array<{ restart: number; delayMs: number; reason: string }> = [];
  let failStarts = 0;
  const sup = new Supervisor<FakeChild>({
    name: 'trigger-a',
    start: async () => {
      if (failStarts > 0) {
        failStarts--;
        throw new Error('spawn failed');
      }
      const c = new FakeChild(children.length + 1);
      children.push(c);
      return c;
    },
    exited: (c) => c.exited,
    stop: async (c) => {
      c.stopped = true;
      c.die('stopped');
    },
    reason: (c) => c.reason,
    onGiveUp: (reason) => gaveUp.push(reason),
    onRestart: (info) => restarts.push(info),
    clock,
    random: () => 0.5, // no jitter
    ...overrides,
  });
  return { sup, clock, children, gaveUp, restarts, failNextStarts: (n: number) => (failStarts = n) };
}

describe('engine/supervisor/supervisor (fake clock, no Python)', () => {
  it('restarts a dead child after 250 ms, then backs off ×2', async () => {
    const h = harness();
    const first = await h.sup.start();
    expect(first.id).to.equal(1);
    first.die('exited with code 3');
    await flushPromises();
    expect(h.sup.state).to.equal('backoff');
    expect(h.clock.pendingDelays()).to.deep.equal([250]);
    await h.clock.advance(250);
    expect(h.sup.current?.id).to.equal(2);
    h.children[1]!.die('killed by SIGKILL');
    await flushPromises();
    expect(h.clock.pendingDelays()).to.deep.equal([500]);
    await h.clock.advance(500);
    h.children[2]!.die('x');
    await flushPromises();
    expect(h.clock.pendingDelays()).to.deep.equal([1000]);
    expect(h.restarts.map((r) => r.delayMs)).to.deep.equal([250, 500, 1000]);
    expect(h.restarts[0]!.reason).to.equal('exited with code 3');
  });

  it('gives up on the 6th failure within 60 s and records the reason', async () => {
    const h = harness();
    await h.sup.start();
    for (let i = 0; i < 5; i++) {
      h.sup.current!.die(`crash ${i}`);
      await flushPromises();
      await h.clock.advance(h.clock.pendingDelays()[0]!);
    }
    expect(h.children).to.have.length(6);
    h.sup.current!.die('final crash');
    await flushPromises();
    expect(h.sup.state).to.equal('failed');
    expect(h.gaveUp).to.have.length(1);
    expect(h.gaveUp[0]).to.equal('6 failures within 60 s; last: final crash');
    expect(h.sup.failureReason).to.equal(h.gaveUp[0]);
    const err = await h.sup.acquire().catch((e) => e);
    expect(err).to.be.instanceOf(SupervisorUnavailableError);
    expect(err.message).to.include('disabled after repeated failures').and.include('final crash');
    expect(h.clock.pending).to.equal(0);
  });

  it('failures older than the window do not count', async () => {
    const h = harness();
    await h.sup.start();
    for (let i = 0; i < 5; i++) {
      h.sup.current!.die('crash');
      await flushPromises();
      await h.clock.advance(h.clock.pendingDelays()[0]!);
    }
    await h.clock.advance(61_000);
    h.sup.current!.die('later crash');
    await flushPromises();
    expect(h.sup.state).to.equal('backoff');
    expect(h.gaveUp).to.deep.equal([]);
  });

  it('a child that lived 60 s resets the backoff', async () => {
    const h = harness();
    await h.sup.start();
    h.sup.current!.die('a');
    await flushPromises();
    await h.clock.advance(250);
    h.sup.current!.die('b');
    await flushPromises();
    await h.clock.advance(500);
    await h.clock.advance(60_000);
    h.sup.current!.die('c');
    await flushPromises();
    expect(h.clock.pendingDelays()).to.deep.equal([250]);
  });

  it('a failed start is retried like a crash, and acquire() waits through the backoff', async () => {
    const h = harness();
    h.failNextStarts(2);
    const acquired = h.sup.start();
    await flushPromises();
    expect(h.restarts.map((r) => r.reason)).to.deep.equal(['could not start: spawn failed']);
    await h.clock.advance(250);
    await h.clock.advance(500);
    const child = await acquired;
    expect(child.id).to.equal(1);
    expect(h.sup.state).to.equal('running');
  });

  it('backoff is capped at 30 s and jittered by ±20 %', () => {
    const low = harness({ random: () => 0 }).sup;
    const high = harness({ random: () => 1 }).sup;
    expect(low.backoffMs(1)).to.equal(200);
    expect(high.backoffMs(1)).to.equal(300);
    expect(low.backoffMs(20)).to.equal(24_000);
    expect(high.backoffMs(20)).to.equal(30_000);
  });

  it('stop() stops the child, cancels a pending restart and fails waiters', async () => {
    const h = harness();
    await h.sup.start();
    h.sup.current!.die('crash');
    await flushPromises();
    const waiting = h.sup.acquire().catch((e) => e);
    await h.sup.stop();
    expect(await waiting).to.be.instanceOf(SupervisorUnavailableError);
    expect(h.clock.pending).to.equal(0);
    await h.clock.advance(10_000);
    expect(h.children).to.have.length(1);

    const h2 = harness();
    const child = await h2.sup.start();
    await h2.sup.stop();
    expect(child.stopped).to.equal(true);
    await flushPromises();
    expect(h2.restarts).to.deep.equal([]);
  });

  it('replace() swaps the child without counting a failure', async () => {
    const h = harness();
    const first = await h.sup.start();
    const second = await h.sup.replace();
    expect(first.stopped).to.equal(true);
    expect(second.id).to.equal(2);
    await flushPromises();
    expect(h.restarts).to.deep.equal([]);
    expect(h.sup.restartCount).to.equal(0);
  });

  describe('park(): stopped for want of work, started again on demand', () => {
    it('stops the child cleanly: no restart counted, no backoff, state parked', async () => {
      const h = harness();
      const first = await h.sup.start();
      expect(h.sup.park()).to.equal(true);
      expect(h.sup.state).to.equal('parked');
      expect(h.sup.current).to.equal(undefined);
      await flushPromises();
      expect(first.stopped).to.equal(true);
      expect(h.restarts).to.deep.equal([]);
      expect(h.sup.restartCount).to.equal(0);
      expect(h.clock.pending, 'no restart timer').to.equal(0);
      expect(h.children).to.have.length(1);
    });

    it('acquire() on a parked supervisor starts a new child, after the old one has left', async () => {
      let releaseStop!: () => void;
      const h = harness({
        stop: (c) =>
          new Promise<void>((resolve) => {
            releaseStop = () => {
              c.stopped = true;
              c.die('stopped');
              resolve();
            };
          }),
      });
      await h.sup.start();
      h.sup.park();
      const next = h.sup.acquire();
      await flushPromises();
      expect(h.children, 'no second child while the first is still stopping').to.have.length(1);
      expect(h.sup.state).to.equal('starting');
      releaseStop();
      const second = await next;
      expect(second.id).to.equal(2);
      expect(h.sup.state).to.equal('running');
      expect(h.restarts).to.deep.equal([]);
    });

    it('a crash after an on-demand start is counted as before', async () => {
      const h = harness();
      await h.sup.start();
      h.sup.park();
      const second = await h.sup.acquire();
      second.die('exited with code 1');
      await flushPromises();
      expect(h.restarts.map((r) => r.reason)).to.deep.equal(['exited with code 1']);
      expect(h.sup.state).to.equal('backoff');
    });

    it('does nothing unless a child is running', async () => {
      const h = harness();
      expect(h.sup.park(), 'never started').to.equal(false);
      h.failNextStarts(1);
      const waiting = h.sup.start();
      await flushPromises();
      expect(h.sup.state).to.equal('backoff');
      expect(h.sup.park(), 'in backoff').to.equal(false);
      await h.clock.advance(250);
      await waiting;
      expect(h.sup.state).to.equal('running');
    });

    it('stop() while parked waits for the parked child to leave and refuses acquire()', async () => {
      let releaseStop!: () => void;
      let stopCalls = 0;
      const h = harness({
        stop: (c) => {
          stopCalls++;
          return new Promise<void>((resolve) => {
            releaseStop = () => {
              c.stopped = true;
              resolve();
            };
          });
        },
      });
      const child = await h.sup.start();
      h.sup.park();
      let stopped = false;
      const stopping = h.sup.stop().then(() => (stopped = true));
      await flushPromises();
      expect(stopped, 'still waiting for the parked child').to.equal(false);
      releaseStop();
      await stopping;
      expect(child.stopped).to.equal(true);
      expect(stopCalls).to.equal(1);
      expect(h.sup.state).to.equal('stopped');
      expect(await h.sup.acquire().catch((e) => e)).to.be.instanceOf(SupervisorUnavailableError);
    });
  });
});
