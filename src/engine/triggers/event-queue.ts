import type { TriggerEvent } from './trigger-event.js';
import { WalBatch } from './wal/wal-batch.js';

// What happened to a pushed event.
export interface PushOutcome {
  accepted: boolean;
  coalesced: boolean;
  droppedEvents: number;
  droppedRows: number;
  // The WAL batch the overflow policy dropped, if any (its WAL cursor entry must be closed).
  droppedEvent?: TriggerEvent;
}

export const DEFAULT_QUEUE_CAPACITY = 64;
export const DEFAULT_MAX_COALESCED_ROWS = 1_000_000;

// A trigger's bounded queue (upstream's channel of 60 blocks the WAL notifier when full, influxdata/influxdb#26003; this one never
// blocks the producer). Overflow policy, per event kind:
// - wal: a full queue folds the new batch into the newest queued one while that stays under `maxCoalescedRows`
//   rows (no row lost, fewer calls); past that, the oldest queued batch is dropped, counted and reported (the WAL
//   cursor counts it as done: a dropped batch is not delivered again, see docs/processing-engine.md).
// - schedule: at most one queued run; a newer fire replaces it and counts the slot as missed (coalescing).
// - request: refused when full (the HTTP layer answers 503), so a client can retry.
export class EventQueue {
  private readonly items: TriggerEvent[] = [];

  constructor(
    readonly capacity = DEFAULT_QUEUE_CAPACITY,
    readonly maxCoalescedRows = DEFAULT_MAX_COALESCED_ROWS,
  ) {}

  get length(): number {
    return this.items.length;
  }

  push(event: TriggerEvent): PushOutcome {
    const outcome: PushOutcome = { accepted: true, coalesced: false, droppedEvents: 0, droppedRows: 0 };
    if (event.kind === 'schedule') {
      const queued = this.items.find((e) => e.kind === 'schedule');
      if (queued && queued.kind === 'schedule') {
        queued.missed += 1 + event.missed;
        queued.plannedMs = event.plannedMs;
        queued.done?.();
        queued.done = event.done;
        outcome.coalesced = true;
        return outcome;
      }
    }
    if (this.items.length < this.capacity) {
      this.items.push(event);
      return outcome;
    }
    if (event.kind === 'request') return { ...outcome, accepted: false };
    if (event.kind === 'wal') {
      const tail = this.items[this.items.length - 1];
      if (tail?.kind === 'wal' && tail.batch.rows + event.batch.rows <= this.maxCoalescedRows) {
        tail.batch = WalBatch.merge(tail.batch, event.batch);
        outcome.coalesced = true;
        return outcome;
      }
      const oldest = this.items.findIndex((e) => e.kind === 'wal');
      if (oldest >= 0) {
        const [dropped] = this.items.splice(oldest, 1);
        outcome.droppedEvents = 1;
        outcome.droppedRows = dropped!.kind === 'wal' ? dropped!.batch.rows : 0;
        outcome.droppedEvent = dropped;
        this.items.push(event);
        return outcome;
      }
    }
    // A full queue of requests: a WAL or schedule event still gets in (requests are bounded by the HTTP layer).
    this.items.push(event);
    return outcome;
  }

  shift(): TriggerEvent | undefined {
    return this.items.shift();
  }

  // Empties the queue and returns what was in it (stop, disable).
  drain(): TriggerEvent[] {
    return this.items.splice(0, this.items.length);
  }
}
