import { expect } from 'chai';
import {
  LIVENESS_FAILURE,
  LIVENESS_INTERVAL_MS,
  LIVENESS_TIMEOUT_MS,
  Supervisor,
} from '../../../src/engine/supervisor/supervisor.js';
import { FakeClock, flushPromises } from '../fake-clock.js';

// A child that answers pings unless told to hang, and may be busy with a call.
class Child {
  pings = 0;
  hangs = false;
  busy = false;
  killed = false;
  private exit!: () => void;
  readonly exited = new Promise<void>((resolve) => (this.exit = resolve));
  constructor(readonly id: number) {}
  ping(): Promise<void> {
    this.pings++;
    return this.hangs ? new Promise<void>(() => undefined) : Promise.resolve();
  }
  kill(): void {
    this.killed = true;
    this.exit();
  }
}

function harness() {
  const clock = new FakeClock();
  const children: Child[] = [];
  const restarts: Array<{ restart: number; reason: string }> = [];
  const sup = new Supervisor<Child>({
    name: 'db/t',
    start: async () => {
      const c = new Child(children.length + 1);
      children.push(c);
      return c;
    },
    exited: (c) => c.exited,
    stop: async (c) => c.kill(),
    reason: () => 'killed by SIGKILL',
    onGiveUp: () => undefined,
    onRestart: ({ restart, reason }) => restarts.push({ restart, reason }),
    liveness: { ping: (c) => c.ping(), busy: (c) => c.busy, kill: (c) => c.kill() },
    clock,
    random: () => 0.5,
  });
  return { sup, clock, children, restarts };
}

describe('engine/supervisor/supervisor liveness ($/ping, fake clock)', () => {
  it('pings an idle child every interval and leaves a responsive one alone', async () => {
    const h = harness();
    await h.sup.start();
    await h.clock.advance(LIVENESS_INTERVAL_MS - 1);
    expect(h.children[0]!.pings).to.equal(0);
    await h.clock.advance(1);
    expect(h.children[0]!.pings).to.equal(1);
    await h.clock.advance(3 * LIVENESS_INTERVAL_MS);
    expect(h.children[0]!.pings).to.equal(4);
    expect(h.restarts).to.deep.equal([]);
    expect(h.sup.current?.id).to.equal(1);
    await h.sup.stop();
    expect(h.clock.pending, 'no timer left after stop').to.equal(0);
  });

  it('a missed pong is a hung child: killed and restarted, counted, with the reason', async () => {
    const h = harness();
    await h.sup.start();
    h.children[0]!.hangs = true;
    await h.clock.advance(LIVENESS_INTERVAL_MS + LIVENESS_TIMEOUT_MS - 1);
    expect(h.children[0]!.killed).to.equal(false);
    await h.clock.advance(1);
    expect(h.children[0]!.killed).to.equal(true);
    expect(h.restarts).to.deep.equal([{ restart: 1, reason: LIVENESS_FAILURE }]);
    expect(LIVENESS_FAILURE).to.equal('liveness ping timed out');
    expect(h.sup.restartCount).to.equal(1);
    await h.clock.advance(250);
    await flushPromises();
    expect(h.sup.current?.id).to.equal(2);
    await h.sup.stop();
  });

  it('never pings while a call is in flight, nor judges a ping a call overtook', async () => {
    const h = harness();
    await h.sup.start();
    const child = h.children[0]!;
    child.busy = true;
    await h.clock.advance(2 * LIVENESS_INTERVAL_MS);
    expect(child.pings).to.equal(0);
    child.busy = false;
    child.hangs = true;
    await h.clock.advance(LIVENESS_INTERVAL_MS);
    expect(child.pings).to.equal(1);
    child.busy = true; // a call started while the ping was outstanding
    await h.clock.advance(LIVENESS_TIMEOUT_MS);
    expect(child.killed).to.equal(false);
    expect(h.restarts).to.deep.equal([]);
    await h.sup.stop();
  });
});
