// Time source injected into long-lived objects so tests can control it.
export interface Clock {
  nowMs(): number;
  nowNs(): bigint;
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(handle: NodeJS.Timeout): void;
}

const epochOffsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  // Wall-clock nanoseconds, monotonic within the process (epoch offset fixed at start).
  nowNs: () => epochOffsetNs + process.hrtime.bigint(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h),
};
