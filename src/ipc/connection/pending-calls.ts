import { RemoteError, TimeoutError } from '../errors.js';
import type { ResponseMessage } from '../messages/envelope.js';

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

// Responses that may still arrive for calls we gave up on are remembered, up to this many.
const ABANDONED_IDS_KEPT = 10_000;

// Calls awaiting an answer, by id: each settles exactly once (answer, timeout, abort or close), and a late answer
// to a call given up on is recognised rather than mistaken for a protocol error.
export class PendingCalls {
  private readonly calls = new Map<number, Pending>();
  private readonly abandoned = new Set<number>();

  // `onGiveUp` runs after a timeout or abort rejected the call (to ask the peer to cancel it).
  constructor(private readonly onGiveUp: (id: number, method: string) => void) {}

  get size(): number {
    return this.calls.size;
  }

  add(
    id: number,
    method: string,
    resolve: (value: any) => void,
    reject: (err: Error) => void,
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
  ): void {
    const entry: Pending = { method, resolve, reject, timer: undefined, signal, onAbort: undefined };
    if (timeoutMs !== undefined && timeoutMs > 0) {
      entry.timer = setTimeout(() => this.giveUp(id, new TimeoutError(method, timeoutMs)), timeoutMs);
    }
    if (signal) {
      entry.onAbort = () => this.giveUp(id, abortReason(signal));
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
    this.calls.set(id, entry);
  }

  // Settles the call a response answers; 'unknown' means the peer answered something never asked (or twice).
  settle(msg: ResponseMessage): 'settled' | 'late' | 'unknown' {
    const entry = this.calls.get(msg.id);
    if (!entry) return this.abandoned.delete(msg.id) ? 'late' : 'unknown';
    this.calls.delete(msg.id);
    clear(entry);
    if (msg.error) {
      const { type, message, traceback, extra } = msg.error;
      entry.reject(new RemoteError(entry.method, type, message, traceback, extra));
    } else {
      entry.resolve(msg.result);
    }
    return 'settled';
  }

  rejectAll(err: Error): void {
    for (const entry of this.calls.values()) {
      clear(entry);
      entry.reject(err);
    }
    this.calls.clear();
    this.abandoned.clear();
  }

  private giveUp(id: number, err: Error): void {
    const entry = this.calls.get(id);
    if (!entry) return;
    this.calls.delete(id);
    clear(entry);
    this.abandoned.add(id);
    if (this.abandoned.size > ABANDONED_IDS_KEPT) this.abandoned.delete(this.abandoned.values().next().value as number);
    entry.reject(err);
    this.onGiveUp(id, entry.method);
  }
}

// A fetch-like rejection: the signal's reason when it is an Error.
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(`aborted: ${String(signal.reason)}`);
}

function clear(entry: Pending): void {
  if (entry.timer) clearTimeout(entry.timer);
  if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
}
