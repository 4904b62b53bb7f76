import type { Readable, Writable } from 'node:stream';
import { errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import { MsgpackCodec, PartedValue } from '../codec/msgpack-codec.js';
import { ConnectionClosedError, HandlerError, ProtocolError } from '../errors.js';
import { sealFrame } from '../framing/encode-frame.js';
import { FrameDecoder } from '../framing/frame-decoder.js';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from '../framing/frame-limits.js';
import { ChoreMethod, cancelParams, parsePartParams, partResult, partedPlaceholder } from '../protocol/chores.js';
import { HostErrorType } from '../protocol/error-types.js';
import {
  decodeMessage,
  encodeMessage,
  errorResponse,
  notificationMessage,
  requestMessage,
  resultResponse,
  type Message,
  type ResponseMessage,
} from '../messages/envelope.js';
import { FrameWriter } from './frame-writer.js';
import { toErrorBody } from './handler-errors.js';
import { PendingCalls, abortReason } from './pending-calls.js';

// Everything optional: the defaults are those of design.md (64 MiB cap, $/cancel on give-up, chores urgent).
export interface ConnectionOptions {
  maxFrameBytes?: number;
  // Used when a call passes no timeoutMs; undefined or 0 means calls wait until answered or closed.
  defaultTimeoutMs?: number;
  // Sent as a request {id} when a call times out or is aborted, so the peer can stop the work; null disables.
  cancelMethod?: string | null;
  // Methods whose frames jump the local write queue.
  urgentMethods?: readonly string[];
  // When false, the owner (spawnRunner) closes the connection itself with a better reason than "stream ended".
  closeOnEnd?: boolean;
  logger?: Logger;
  codec?: MsgpackCodec;
}

// Per call: a timeout (rejects with TimeoutError) and/or a caller's abort signal.
export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

// Handed to request handlers; `signal` aborts when the connection closes.
export interface RequestContext {
  id: number;
  method: string;
  signal: AbortSignal;
}

// Serves one of the peer's requests; may be async; a throw becomes an error response {type, message}.
export type RequestHandler = (params: any, context: RequestContext) => unknown;
// Notifications have no answer; a throw is logged, never sent.
export type NotificationHandler = (params: any) => void;

const CANCEL_TIMEOUT_MS = 5_000;

// A symmetric request/response peer over one byte-stream pair (vscode-jsonrpc style): both ends call, both answer.
export class Connection {
  private readonly decoder: FrameDecoder;
  private readonly writer: FrameWriter;
  private readonly codec: MsgpackCodec;
  private readonly maxFrameBytes: number;
  private readonly urgent: Set<string>;
  private readonly pending: PendingCalls;
  private readonly requestHandlers = new Map<string, RequestHandler>();
  private readonly notificationHandlers = new Map<string, NotificationHandler>();
  private readonly lifetime = new AbortController();
  // Parted parameters of our requests still waiting for an answer, by request id (served to `$/part`).
  private readonly parted = new Map<number, Record<string, PartedValue>>();
  private nextId = 1;
  private closeError: ConnectionClosedError | null = null;
  private resolveClosed!: (err: ConnectionClosedError) => void;
  // Settles once, with the error every pending call was rejected with (its `cause` is the underlying failure).
  readonly closed: Promise<ConnectionClosedError>;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly options: ConnectionOptions = {},
  ) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.decoder = new FrameDecoder(this.maxFrameBytes);
    this.codec = options.codec ?? new MsgpackCodec();
    this.writer = new FrameWriter(output);
    this.urgent = new Set(options.urgentMethods ?? [ChoreMethod.cancel, ChoreMethod.shutdown, ChoreMethod.ping]);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.pending = new PendingCalls(this.askToCancel);
    this.requestHandlers.set(ChoreMethod.part, this.servePart);
    input.on('data', this.onData);
    input.on('end', this.onEnd);
    input.on('error', this.onStreamError);
    output.on('error', this.onStreamError);
  }

  get isClosed(): boolean {
    return this.closeError !== null;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  // The id of the request sent last: the peer's callbacks name it (python-runner's `call_id`).
  get lastRequestId(): number {
    return this.nextId - 1;
  }

  // Bytes waiting for the peer to read (write backpressure).
  get queuedBytes(): number {
    return this.writer.queuedBytes;
  }

  request<T = unknown>(method: string, params: unknown = {}, options: RequestOptions = {}): Promise<T> {
    if (this.closeError) return Promise.reject(this.closeError);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const id = this.nextId++;
    const wire = this.withPlaceholders(id, params);
    return new Promise<T>((resolve, reject) => {
      const done = wire === params ? undefined : (): void => void this.parted.delete(id);
      try {
        this.send(requestMessage(id, method, wire), this.urgent.has(method));
      } catch (err) {
        done?.();
        reject(err as Error);
        return;
      }
      const settle = <V>(fn: (v: V) => void) => (done ? (v: V): void => (done(), fn(v)) : fn);
      this.pending.add(id, method, settle(resolve), settle(reject), options.timeoutMs ?? this.options.defaultTimeoutMs, signal);
    });
  }

  // Top-level PartedValue params travel as `{"$parts": n}`; the values are kept for `$/part` until the answer.
  private withPlaceholders(id: number, params: unknown): unknown {
    if (typeof params !== 'object' || params === null || Object.getPrototypeOf(params) !== Object.prototype) return params;
    let wire: Record<string, unknown> | null = null;
    for (const [key, value] of Object.entries(params)) {
      if (!(value instanceof PartedValue)) continue;
      wire ??= { ...(params as Record<string, unknown>) };
      wire[key] = partedPlaceholder(value.parts.length);
      let kept = this.parted.get(id);
      if (!kept) this.parted.set(id, (kept = {}));
      kept[key] = value;
    }
    return wire ?? params;
  }

  // `$/part`: slice `index` of parameter `key` of our request `callId`, as `{items}`.
  private readonly servePart = (params: unknown): unknown => {
    const p = parsePartParams(params);
    const value = p.callId === null ? undefined : this.parted.get(p.callId)?.[p.key];
    if (!value) throw new HandlerError(HostErrorType.invalidParams, `no parted parameter ${p.key} for request ${String(p.callId ?? undefined)}`);
    const part = p.index === null ? undefined : value.parts[p.index];
    if (!part) throw new HandlerError(HostErrorType.invalidParams, `part ${String(p.index ?? undefined)} of ${p.key} does not exist (${value.parts.length} parts)`);
    return partResult(part);
  };

  notify(method: string, params: unknown = {}): void {
    if (this.closeError) throw this.closeError;
    this.send(notificationMessage(method, params), this.urgent.has(method));
  }

  // One handler per method (a later registration replaces it); returns an unregister function.
  onRequest(method: string, handler: RequestHandler): () => void {
    this.requestHandlers.set(method, handler);
    return () => {
      if (this.requestHandlers.get(method) === handler) this.requestHandlers.delete(method);
    };
  }

  onNotification(method: string, handler: NotificationHandler): () => void {
    this.notificationHandlers.set(method, handler);
    return () => {
      if (this.notificationHandlers.get(method) === handler) this.notificationHandlers.delete(method);
    };
  }

  // Rejects every pending call with a ConnectionClosedError naming `reason`; later calls fail at once. Idempotent.
  close(reason: string | Error = 'closed by the host'): void {
    if (this.closeError) return;
    const cause = typeof reason === 'string' ? undefined : reason;
    const err = (this.closeError = new ConnectionClosedError(typeof reason === 'string' ? reason : reason.message, cause));
    this.pending.rejectAll(err);
    this.parted.clear();
    this.lifetime.abort(err);
    this.writer.stop();
    this.input.removeListener('data', this.onData);
    this.input.removeListener('end', this.onEnd);
    if (!this.output.destroyed && !this.output.writableEnded) this.output.end();
    this.resolveClosed(err);
  }

  private send(msg: Message, urgent: boolean): void {
    const { head, rest } = encodeMessage(this.codec, msg, FRAME_HEADER_BYTES);
    if (rest.length === 0) {
      this.writer.write([sealFrame(head, 0, this.maxFrameBytes)], urgent);
      return;
    }
    let restBytes = 0;
    for (const part of rest) restBytes += part.length;
    sealFrame(head, restBytes, this.maxFrameBytes);
    this.writer.write([head, ...rest], urgent);
  }

  private readonly askToCancel = (id: number, method: string): void => {
    const cancel = this.options.cancelMethod === undefined ? ChoreMethod.cancel : this.options.cancelMethod;
    if (cancel && method !== cancel && method !== ChoreMethod.shutdown && !this.closeError) {
      this.request(cancel, cancelParams(id), { timeoutMs: CANCEL_TIMEOUT_MS }).catch(() => undefined);
    }
  };

  private readonly onData = (chunk: Buffer): void => {
    let payloads: Buffer[];
    try {
      payloads = this.decoder.push(chunk);
    } catch (err) {
      this.close(err as Error);
      return;
    }
    for (const payload of payloads) {
      if (this.closeError) return;
      let msg: Message;
      try {
        msg = decodeMessage(this.codec, payload);
      } catch (err) {
        this.close(err as Error);
        return;
      }
      this.dispatch(msg);
    }
  };

  private dispatch(msg: Message): void {
    if (msg.kind === 'response') this.onResponse(msg);
    else if (msg.kind === 'request') this.onPeerRequest(msg.id, msg.method, msg.params);
    else this.onPeerNotification(msg.method, msg.params);
  }

  private onResponse(msg: ResponseMessage): void {
    const outcome = this.pending.settle(msg);
    if (outcome === 'late') this.options.logger?.debug({ id: msg.id }, 'late response to an abandoned request ignored');
    if (outcome === 'unknown') this.close(new ProtocolError(`response to unknown request id ${msg.id}`, { id: msg.id }));
  }

  private onPeerRequest(id: number, method: string, params: unknown): void {
    const handler = this.requestHandlers.get(method);
    if (!handler) {
      this.respond(errorResponse(id, toErrorBody(new MethodNotFound(method))));
      return;
    }
    let result: unknown;
    try {
      result = handler(params, { id, method, signal: this.lifetime.signal });
    } catch (err) {
      this.respond(errorResponse(id, toErrorBody(err)));
      return;
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.respond(resultResponse(id, value)),
        (err: unknown) => this.respond(errorResponse(id, toErrorBody(err))),
      );
    } else {
      this.respond(resultResponse(id, result));
    }
  }

  private respond(msg: ResponseMessage): void {
    if (this.closeError) return;
    try {
      this.send(msg, false);
    } catch (err) {
      // The result could not be encoded (too large, unsupported type): the peer still gets an answer.
      if (msg.error) throw err;
      this.send(errorResponse(msg.id, toErrorBody(err)), false);
    }
  }

  private onPeerNotification(method: string, params: unknown): void {
    const handler = this.notificationHandlers.get(method);
    if (!handler) {
      this.options.logger?.debug({ method }, 'notification without a handler ignored');
      return;
    }
    try {
      handler(params);
    } catch (err) {
      this.options.logger?.warn({ method, err: errorMessage(err) }, 'notification handler failed');
    }
  }

  private readonly onEnd = (): void => {
    try {
      this.decoder.end();
    } catch (err) {
      if (this.options.closeOnEnd !== false) this.close(err as Error);
      return;
    }
    if (this.options.closeOnEnd !== false) this.close('the peer closed the stream');
  };

  private readonly onStreamError = (err: Error): void => {
    if (this.options.closeOnEnd !== false) this.close(new Error(`stream failed: ${err.message}`, { cause: err }));
    else this.options.logger?.debug({ err: err.message }, 'stream error; the owner closes the connection');
  };
}

class MethodNotFound extends Error {
  constructor(method: string) {
    super(`unknown method '${method}'`);
    this.name = 'MethodNotFound';
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
