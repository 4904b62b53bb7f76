// The one poller of the tests and benchmarks: waiting for a condition is always a bounded poll, never a sleep.
export interface PollOptions {
  // How long to keep trying (default 10 s).
  timeoutMs?: number;
  // Pause between two probes (default 100 ms).
  intervalMs?: number;
  // A probe that throws counts as "not yet" (a table not created, a runner starting) instead of failing the wait.
  ignoreErrors?: boolean;
}

// Polls `probe` until `done(value)` holds and returns that value; at the deadline returns the last value, so the
// caller's assertion shows what was seen. With `ignoreErrors`, the last value is undefined if every probe threw.
export async function pollFor<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, options?: PollOptions & { ignoreErrors?: false }): Promise<T>;
export async function pollFor<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, options: PollOptions & { ignoreErrors: true }): Promise<T | undefined>;
export async function pollFor<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, options: PollOptions = {}): Promise<T | undefined> {
  const { timeoutMs = 10_000, intervalMs = 100, ignoreErrors = false } = options;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (err) {
      if (!ignoreErrors) throw err;
    }
    if (Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// Polls `probe` until it gives a truthy value and returns that value; throws naming `what` once `timeoutMs` passed.
export async function pollUntil<T>(probe: () => T | Promise<T>, what: string, options: Omit<PollOptions, 'ignoreErrors'> = {}): Promise<NonNullable<T>> {
  const value = await pollFor(probe, Boolean, options);
  if (!value) throw new Error(`timed out waiting for ${what}`);
  return value as NonNullable<T>;
}
