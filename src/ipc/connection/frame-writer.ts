import type { Writable } from 'node:stream';

// Writes whole frames and honours backpressure: once write() says "wait", frames queue here until 'drain'.
//
// Writes made in the same tick are corked together, so a burst of frames costs one writev. `urgent` frames
// ($/cancel, $/shutdown) jump the local queue; a frame is never split, so the stream stays well-formed.
export class FrameWriter {
  private readonly queue: Buffer[][] = [];
  private waiting = false;
  private corked = false;
  private stopped = false;
  private queued = 0;

  constructor(private readonly out: Writable) {}

  // Bytes held back by backpressure (not yet handed to the stream).
  get queuedBytes(): number {
    return this.queued;
  }

  write(parts: Buffer[], urgent = false): void {
    if (this.stopped) return;
    if (this.waiting) {
      if (urgent) this.queue.unshift(parts);
      else this.queue.push(parts);
      this.queued += byteLength(parts);
      return;
    }
    this.writeNow(parts);
  }

  // Drops whatever is queued; used when the connection closes.
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.queued = 0;
    this.out.removeListener('drain', this.onDrain);
  }

  private writeNow(parts: Buffer[]): void {
    if (this.out.destroyed || this.out.writableEnded) return;
    if (!this.corked) {
      this.corked = true;
      this.out.cork();
      process.nextTick(this.uncork);
    }
    let ok = true;
    for (const part of parts) ok = this.out.write(part);
    if (!ok) {
      this.waiting = true;
      this.out.once('drain', this.onDrain);
    }
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.out.uncork();
  };

  private readonly onDrain = (): void => {
    this.waiting = false;
    while (!this.waiting && !this.stopped && this.queue.length > 0) {
      const parts = this.queue.shift()!;
      this.queued -= byteLength(parts);
      this.writeNow(parts);
    }
  };
}

function byteLength(parts: Buffer[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}
