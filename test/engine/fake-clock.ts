import type { Clock } from '../../src/shared/clock.js';

// A Clock whose time only moves when the test says so; timers fire in due order during advance().
export class FakeClock implements Clock {
  private now: number;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  constructor(startMs = 1_700_000_000_000) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  nowNs(): bigint {
    return BigInt(this.now) * 1_000_000n;
  }

  setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + Math.max(0, ms), fn });
    return { id, unref() { return this; }, ref() { return this; } } as unknown as NodeJS.Timeout;
  }

  clearTimeout(handle: NodeJS.Timeout): void {
    this.timers.delete((handle as unknown as { id: number }).id);
  }

  get pending(): number {
    return this.timers.size;
  }

  // Delays of the pending timers, soonest first.
  pendingDelays(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }

  // Moves time forward, firing due timers in order (and letting promise callbacks run between them).
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
      await flushPromises();
    }
    this.now = target;
    await flushPromises();
  }
}

// Lets pending promise callbacks (and the ones they schedule) run.
export async function flushPromises(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}
