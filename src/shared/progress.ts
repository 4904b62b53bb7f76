import type { Logger } from 'pino';

// Reports a long operation's progress at most every `intervalMs`: items and bytes done of the total, the rate, and
// the time left at that rate, so an operator watching the log sees it move and knows how long to wait.
export class Progress {
  private readonly started = performance.now();
  private lastReport = this.started;
  private items = 0;
  private bytes = 0;
  private rows = 0;

  constructor(
    private readonly what: string,
    private readonly total: { items: number; bytes: number },
    private readonly log: Logger,
    private readonly intervalMs = 2_000,
  ) {}

  add(items: number, bytes: number, rows = 0): void {
    this.items += items;
    this.bytes += bytes;
    this.rows += rows;
    const now = performance.now();
    if (now - this.lastReport >= this.intervalMs) {
      this.lastReport = now;
      this.log.info(this.facts(now), `${this.what} progress`);
    }
  }

  // The closing facts (elapsed time, rates) for the "finished" line.
  done(): Record<string, unknown> {
    return this.facts(performance.now());
  }

  private facts(now: number): Record<string, unknown> {
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const fraction = this.total.bytes > 0 ? this.bytes / this.total.bytes : this.total.items > 0 ? this.items / this.total.items : 1;
    const left = fraction > 0 ? (seconds / fraction) * (1 - fraction) : null;
    return {
      done: this.items,
      of: this.total.items,
      bytesDone: this.bytes,
      bytesOf: this.total.bytes,
      percent: Math.round(fraction * 1000) / 10,
      rowsPerSecond: Math.round(this.rows / seconds),
      elapsedSeconds: Math.round(seconds * 10) / 10,
      secondsLeft: left === null ? null : Math.round(left * 10) / 10,
    };
  }
}
