// Polls `probe` until it gives a truthy value and returns that value; throws naming `what` once `timeoutMs` passed.
export async function pollUntil<T>(probe: () => T | Promise<T>, what: string, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
