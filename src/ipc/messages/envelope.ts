import type { MsgpackCodec } from '../codec/msgpack-codec.js';
import { PreEncoded, hasPreEncodedValue } from '../codec/msgpack-codec.js';
import { ProtocolError } from '../errors.js';

// What a failed call carries across the wire: python-runner fills type/message/traceback (+ e.g. `phase`).
export interface ErrorBody {
  type: string;
  message: string;
  traceback: string | null;
  extra: Record<string, unknown>;
}

// A call that expects exactly one response with the same id.
export interface RequestMessage {
  kind: 'request';
  id: number;
  method: string;
  params: unknown;
}

// A call that succeeded.
export interface ResultResponse {
  kind: 'response';
  id: number;
  result: unknown;
  error?: undefined;
}

// A call that failed on the other side.
export interface ErrorResponse {
  kind: 'response';
  id: number;
  error: ErrorBody;
}

// Either outcome, told apart by `error`.
export type ResponseMessage = ResultResponse | ErrorResponse;

// Fire-and-forget: no id, no answer.
export interface NotificationMessage {
  kind: 'notification';
  method: string;
  params: unknown;
}

// The three envelopes of design.md's child protocol; `kind` is ours, the wire calls it `type`.
export type Message = RequestMessage | ResponseMessage | NotificationMessage;

// Constructors keep call sites free of envelope literals; params/result may be PreEncoded bytes.
export const requestMessage = (id: number, method: string, params: unknown): RequestMessage => ({
  kind: 'request',
  id,
  method,
  params,
});

// Answers a call with its result.
export const resultResponse = (id: number, result: unknown): ResultResponse => ({ kind: 'response', id, result });

// Answers a call with an error object.
export const errorResponse = (id: number, error: ErrorBody): ErrorResponse => ({ kind: 'response', id, error });

// A one-way message.
export const notificationMessage = (method: string, params: unknown): NotificationMessage => ({
  kind: 'notification',
  method,
  params,
});

// An encoded envelope: `head` (with `headroom` spare bytes in front), then `rest` to send right after it.
export interface EncodedMessage {
  head: Buffer;
  rest: Buffer[];
}

// The only writer of the envelope's field names (with fromWire below and python-runner's messages.py). The body
// (params or result) may be PreEncoded, or a map with PreEncoded values: those bytes are spliced in, never re-encoded.
export function encodeMessage(codec: MsgpackCodec, msg: Message, headroom = 0): EncodedMessage {
  const pairs = wirePairs(msg);
  const body = pairs[pairs.length - 1];
  if (body instanceof PreEncoded) {
    return { head: codec.encodeMapPrefix(pairs.slice(0, -1), headroom), rest: [body.bytes] };
  }
  if (hasPreEncodedValue(body)) {
    return { head: codec.encodeMapPrefix(pairs.slice(0, -1), headroom), rest: codec.encodeMapParts(body) };
  }
  const wire: Record<string, unknown> = {};
  for (let i = 0; i < pairs.length; i += 2) wire[pairs[i] as string] = pairs[i + 1];
  return { head: codec.encode(wire, headroom), rest: [] };
}

function wirePairs(msg: Message): unknown[] {
  switch (msg.kind) {
    case 'request':
      return ['type', 'request', 'id', msg.id, 'method', msg.method, 'params', msg.params ?? {}];
    case 'notification':
      return ['type', 'notification', 'method', msg.method, 'params', msg.params ?? {}];
    case 'response':
      if (msg.error) {
        const { type, message, traceback, extra } = msg.error;
        return ['type', 'response', 'id', msg.id, 'error', { ...extra, type, message, traceback }];
      }
      return ['type', 'response', 'id', msg.id, 'result', msg.result ?? null];
  }
}

// Validates a decoded frame as an envelope; anything else is a ProtocolError (the stream cannot be trusted).
export function fromWire(value: unknown): Message {
  if (!isPlainMap(value)) throw new ProtocolError(`message must be a map, got ${describe(value)}`);
  const kind = value.type;
  if (kind === 'request') {
    return requestMessage(wireId(value), wireMethod(value), value.params ?? {});
  }
  if (kind === 'response') {
    const id = wireId(value);
    if (value.error !== undefined && value.error !== null) return errorResponse(id, errorBody(value.error));
    return resultResponse(id, value.result ?? null);
  }
  if (kind === 'notification') return notificationMessage(wireMethod(value), value.params ?? {});
  throw new ProtocolError(`unknown message type ${JSON.stringify(kind) ?? String(kind)}`);
}

// Decode + validate in one step for the connection's read path.
export function decodeMessage(codec: MsgpackCodec, payload: Uint8Array): Message {
  return fromWire(codec.decode(payload));
}

function errorBody(raw: unknown): ErrorBody {
  if (!isPlainMap(raw)) return { type: 'Error', message: String(raw), traceback: null, extra: {} };
  const { type, message, traceback, ...extra } = raw;
  return {
    type: typeof type === 'string' && type ? type : 'Error',
    message: typeof message === 'string' ? message : String(message ?? ''),
    traceback: typeof traceback === 'string' ? traceback : null,
    extra,
  };
}

function wireId(value: Record<string, unknown>): number {
  const id = value.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    throw new ProtocolError(`${String(value.type)} without a valid id (got ${describe(id)})`);
  }
  return id;
}

function wireMethod(value: Record<string, unknown>): string {
  if (typeof value.method !== 'string' || !value.method) {
    throw new ProtocolError(`${String(value.type)} without a method name`);
  }
  return value.method;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value)
    && Object.getPrototypeOf(value) === Object.prototype;
}

function describe(value: unknown): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return 'bin';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return `${typeof value} ${String(value)}`.slice(0, 80);
}
