import { systemClock, type Clock } from '../../shared/clock.js';

// How much of a runner's output reaches the server log (docs/security.md, "Output"): a burst, then a steady rate.
export interface OutputLimits {
  linesPerSecond: number;
  lineBurst: number;
  bytesPerSecond: number;
  byteBurst: number;
}

// 100 lines/s (bursts of 1000) and 64 KiB/s (bursts of 1 MiB): a chatty plugin is readable, a flood costs the log
// a few MB at most.
export const DEFAULT_OUTPUT_LIMITS: Readonly<OutputLimits> = {
  linesPerSecond: 100,
  lineBurst: 1000,
  bytesPerSecond: 64 * 1024,
  byteBurst: 1024 * 1024,
};

// Two token buckets (lines and bytes) refilled from the clock; a line is logged only when both have room.
export class OutputRateLimiter {
  private lineTokens: number;
  private byteTokens: number;
  private lastMs: number;

  constructor(
    readonly limits: OutputLimits = DEFAULT_OUTPUT_LIMITS,
    private readonly clock: Clock = systemClock,
  ) {
    this.lineTokens = limits.lineBurst;
    this.byteTokens = limits.byteBurst;
    this.lastMs = clock.nowMs();
  }

  // Brings the buckets up to date; call once per chunk of output, not per line.
  refill(): void {
    const now = this.clock.nowMs();
    const elapsedS = Math.max(0, now - this.lastMs) / 1000;
    this.lastMs = now;
    this.lineTokens = Math.min(this.limits.lineBurst, this.lineTokens + elapsedS * this.limits.linesPerSecond);
    this.byteTokens = Math.min(this.limits.byteBurst, this.byteTokens + elapsedS * this.limits.bytesPerSecond);
  }

  // True when nothing more can be logged until the next refill (the caller may then drop without looking).
  get exhausted(): boolean {
    return this.lineTokens < 1 || this.byteTokens < 1;
  }

  // Takes one line of `bytes` from the buckets, or returns false (and takes nothing) when it does not fit.
  take(bytes: number): boolean {
    const cost = Math.min(bytes, this.limits.byteBurst);
    if (this.lineTokens < 1 || this.byteTokens < cost) return false;
    this.lineTokens -= 1;
    this.byteTokens -= cost;
    return true;
  }
}
