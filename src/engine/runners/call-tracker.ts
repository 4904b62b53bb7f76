import type { PluginLogLevel } from '../plugin-logs/plugin-log-store.js';
import type { QueuedWrites } from './queued-writes.js';

// What the host does for one call's requests from the plugin: queries, synchronous writes and log lines.
// Production triggers answer with storage and the log store; dry runs capture writes and collect log lines.
export interface CallHost {
  // Rows for `influxdb3_local.query`; may return PreEncoded bytes of `{columns, rows}`. The thrown message becomes
  // the QueryError text verbatim (throw HandlerError(HostErrorType.valueError, …) for a ValueError).
  query(database: string, sql: string, args: Record<string, string> | null): Promise<unknown>;
  // `write_sync*`: a throw's message becomes the cause in "error writing line protocol to <db>: <cause>".
  writeSync(database: string, lines: string, noSync: boolean): Promise<void>;
  log(level: PluginLogLevel, text: string): void;
}

// One queued or running call as the host sees it.
export interface CallSlot {
  readonly method: string;
  readonly host: CallHost;
  readonly timeoutMs: number;
  // The host request id (the child's requests name their call by it), known once the request is sent.
  id: number | null;
  startedAtMs: number | null;
  timer: NodeJS.Timeout | null;
  // Set when the host decided the call's fate (timeout, memory kill) before the child answered.
  verdict: Error | null;
  cancelRequested: boolean;
  // Queued writes the child streamed during the call, applied after it succeeded.
  writes: QueuedWrites | null;
  // Open query cursors of the call (pages the plugin has not fetched yet), by id; closed when the call settles.
  cursors: Map<number, { close(): void }>;
}

// The child runs queued requests one at a time in arrival order, so the oldest unanswered one is running: its
// clock (timeout) starts when the one before it settles. Child requests name their call by its request id.
export class CallTracker {
  private readonly queue: CallSlot[] = [];
  private readonly byId = new Map<number, CallSlot>();

  constructor(private readonly onStart: (slot: CallSlot) => void) {}

  get size(): number {
    return this.queue.length;
  }

  get running(): CallSlot | undefined {
    return this.queue[0];
  }

  add(method: string, host: CallHost, timeoutMs: number): CallSlot {
    const slot: CallSlot = {
      method, host, timeoutMs, id: null, startedAtMs: null, timer: null, verdict: null, cancelRequested: false, writes: null, cursors: new Map(),
    };
    this.queue.push(slot);
    if (this.queue.length === 1) this.onStart(slot);
    return slot;
  }

  // Records the request id the call was sent with.
  bind(slot: CallSlot, id: number): void {
    slot.id = id;
    this.byId.set(id, slot);
  }

  // The call answered (or failed): forget it, close its query cursors and start the clock of the next one.
  settle(slot: CallSlot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    for (const cursor of slot.cursors.values()) cursor.close();
    slot.cursors.clear();
    const i = this.queue.indexOf(slot);
    if (i < 0) return;
    this.queue.splice(i, 1);
    if (slot.id !== null) this.byId.delete(slot.id);
    if (i === 0 && this.queue.length > 0) this.onStart(this.queue[0]!);
  }

  // The unanswered call a child message belongs to; undefined for late messages of a finished call's threads.
  forCallId(callId: unknown): CallSlot | undefined {
    return typeof callId === 'number' ? this.byId.get(callId) : undefined;
  }

  clearTimers(): void {
    for (const slot of this.queue) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
    }
  }
}
