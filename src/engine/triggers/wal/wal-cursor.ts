// A WAL trigger's position in the WAL: the highest seq such that every write of its database at or below it was
// completed by the trigger (delivered and finished: success, an error under error_behavior=log, or retries given up).
// Batches complete out of order in a run_async pool, so the position is the first batch still open minus one.
export class WalCursor {
  // Open batches (queued or running) → the first seq of their rows.
  private readonly open = new Map<object, bigint>();
  // Every record up to here was handed to this trigger or needs nothing from it.
  private through: bigint;
  // While replaying, nothing past what the replay has handed over counts (live batches are newer than the replay).
  private cap: bigint | null = null;
  private value: bigint;

  constructor(
    start: bigint,
    private readonly onAdvance: (seq: bigint) => void = () => undefined,
  ) {
    this.value = start;
    this.through = start;
  }

  get position(): bigint {
    return this.value;
  }

  // A batch was handed to the trigger: it holds the cursor below `firstSeq` until it completes.
  begin(key: object, firstSeq: bigint, throughSeq: bigint): void {
    if (!this.open.has(key)) this.open.set(key, firstSeq);
    this.seen(throughSeq);
  }

  // Records up to `throughSeq` brought nothing more for this trigger (other databases, other tables, coalesced rows).
  seen(throughSeq: bigint): void {
    if (throughSeq > this.through) this.through = throughSeq;
    this.update();
  }

  // The batch completed (or was dropped by the queue overflow policy).
  finish(key: object): void {
    if (this.open.delete(key)) this.update();
  }

  // Replay begins: the cursor stays at or below `seq` until release().
  hold(seq: bigint): void {
    this.cap = seq;
  }

  // Replay handed over everything through `seq`.
  holdUntil(seq: bigint): void {
    if (this.cap !== null && seq > this.cap) {
      this.cap = seq;
      this.update();
    }
  }

  // Replay is over: it covered everything through `throughSeq`.
  release(throughSeq: bigint): void {
    this.cap = null;
    this.seen(throughSeq);
  }

  private update(): void {
    let next = this.through;
    for (const first of this.open.values()) if (first - 1n < next) next = first - 1n;
    if (this.cap !== null && this.cap < next) next = this.cap;
    if (next <= this.value) return;
    this.value = next;
    this.onAdvance(next);
  }
}
