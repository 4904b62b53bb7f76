// Exponential, capped, jittered delays: the supervisor's restarts and error_behavior=retry both wait this way.
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  // ±fraction of the delay, so many runners failing together do not retry in lockstep; 0 for exact delays.
  jitter: number;
}

// The delay before the n-th attempt (n ≥ 1): initialMs × factor^(n-1), capped at maxMs, ± jitter (never above maxMs).
export function backoffMs(policy: BackoffPolicy, n: number, random: () => number = Math.random): number {
  const { initialMs, factor, maxMs, jitter } = policy;
  const base = Math.min(initialMs * factor ** Math.max(0, n - 1), maxMs);
  return Math.round(Math.min(maxMs, base * (1 - jitter + 2 * jitter * random())));
}
