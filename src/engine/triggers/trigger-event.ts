import type { RequestTriggerError } from './errors.js';
import type { WalBatch } from './wal/wal-batch.js';

// What a request trigger's plugin receives, already normalised by the HTTP layer.
export interface RequestInput {
  queryParameters: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
}

// The HTTP answer of a request trigger.
export interface RequestOutput {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

// One unit of work for a trigger's runners.
export type TriggerEvent =
  // `firstSeq`/`throughSeq`: the WAL positions the batch covers (crash-safe delivery, see WalCursor); absent in tests.
  | { kind: 'wal'; batch: WalBatch; firstSeq?: bigint; throughSeq?: bigint }
  // `missed`: slots folded into this run (overrun coalescing); `done` tells the scheduler the run is over.
  | { kind: 'schedule'; plannedMs: number; missed: number; done?: () => void }
  // `settle` gets the plugin's answer; `fail` a call the plugin did not answer (the HTTP edge renders it).
  | { kind: 'request'; input: RequestInput; settle: (out: RequestOutput) => void; fail: (err: RequestTriggerError) => void };
