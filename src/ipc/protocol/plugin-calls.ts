import type { PartedValue, PreEncoded } from '../codec/msgpack-codec.js';
import type { RemoteError } from '../errors.js';
import { parseCacheChanges, snapshotToWire, type CacheChanges, type CacheSnapshot } from './cache-wire.js';
import { parseCallPhase, type CallPhase, type ChildErrorType } from './error-types.js';
import { PROTOCOL_METHODS, PROTOCOL_SHAPES, fromWire, toWire } from './protocol-methods.js';

// What `load` is told: the plugin (file or package directory) and the call defaults.
export interface LoadParams {
  pluginPath: string;
  database: string;
  // Run this text as a single-file plugin instead of reading pluginPath (gh: plugins).
  source?: string;
  persistCache?: boolean;
  triggerName?: string;
  // The trigger's persisted local cache, restored into the child.
  cacheSnapshot?: CacheSnapshot;
  // The child's address-space cap (RLIMIT_AS).
  memoryLimitBytes?: number;
}

// What the runner says once the plugin is loaded.
export interface LoadResult {
  kind: string;
  cacheRestored: number;
  cacheRestoreFailed: string[];
  memoryLimitApplied: boolean | null;
}

// The trigger arguments a plugin's entry point gets as `args`.
export type PluginArgs = Record<string, string> | null;

// Fields any plugin call may add: dry runs name the database and a test cache namespace with its contents.
export interface CallScope {
  database?: string;
  cacheName?: string;
  cacheSnapshot?: CacheSnapshot;
}

// A WAL flush for `process_writes(influxdb3_local, table_batches, args)`, encoded once (see plugin-data.ts).
export interface ProcessWritesCall extends CallScope {
  method: 'processWrites';
  tableBatches: PreEncoded | PartedValue | readonly unknown[];
  args: PluginArgs;
}

// A schedule firing for `process_scheduled_call(influxdb3_local, call_time, args)`.
export interface ProcessScheduledCall extends CallScope {
  method: 'processScheduledCall';
  // The planned time in unix seconds (the plugin's `call_time`).
  callTimeSeconds: number;
  // The entry point starts on this instant (the child waits for it, at most 1 s).
  startAtNs?: bigint;
  args: PluginArgs;
}

// An HTTP request for `process_request(influxdb3_local, query_parameters, request_headers, request_body, args)`.
export interface ProcessRequestCall extends CallScope {
  method: 'processRequest';
  queryParameters: Record<string, string>;
  requestHeaders: Record<string, string>;
  requestBody: Uint8Array | string;
  args: PluginArgs;
}

// One call of a plugin's entry point.
export type PluginCall = ProcessWritesCall | ProcessScheduledCall | ProcessRequestCall;

// What process_request returned, mapped to an HTTP answer by the child (unchecked: the engine validates it).
export interface PluginResponse {
  status: number | null;
  headers: Record<string, unknown>;
  body: Uint8Array | string;
}

// A successful plugin call.
export interface PluginCallResult {
  // Queued write() lines the result still carries (chunks were streamed with `write_chunk` during the call).
  writes: Record<string, string[]>;
  cacheChanges: CacheChanges | null;
  // Only process_request has one; empty for the others.
  response: PluginResponse;
}

// A failed plugin call as the child reported it.
export interface PluginCallFailure {
  errorType: ChildErrorType;
  message: string;
  traceback: string | null;
  phase: CallPhase | null;
  // Local-cache changes the child reported with the error (the cache survives a failed call).
  cacheChanges: CacheChanges | null;
}

// A request on the wire: method name and params map.
export interface WireRequest {
  method: string;
  params: Record<string, unknown>;
}

const LOAD = PROTOCOL_METHODS.load;
const WRITES = PROTOCOL_METHODS.processWrites;
const SCHEDULED = PROTOCOL_METHODS.processScheduledCall;
const REQUEST = PROTOCOL_METHODS.processRequest;

// `load` on the wire.
export function loadRequest(params: LoadParams): WireRequest {
  const { cacheSnapshot, ...rest } = params;
  return { method: LOAD.method, params: toWire(LOAD.params, { ...rest, cacheSnapshot: cacheSnapshot && snapshotToWire(cacheSnapshot) }) };
}

// The `load` answer.
export function parseLoadResult(raw: unknown): LoadResult {
  const r = fromWire(LOAD.result, raw);
  return {
    kind: String(r.kind ?? 'file'),
    cacheRestored: typeof r.cacheRestored === 'number' ? r.cacheRestored : 0,
    cacheRestoreFailed: Array.isArray(r.cacheRestoreFailed) ? r.cacheRestoreFailed.map(String) : [],
    memoryLimitApplied: typeof r.memoryLimitApplied === 'boolean' ? r.memoryLimitApplied : null,
  };
}

// A plugin call on the wire.
export function pluginCallRequest(call: PluginCall): WireRequest {
  const snapshot = call.cacheSnapshot && snapshotToWire(call.cacheSnapshot);
  switch (call.method) {
    case 'processWrites':
      return { method: WRITES.method, params: toWire(WRITES.params, { ...call, cacheSnapshot: snapshot }) };
    case 'processScheduledCall':
      return {
        method: SCHEDULED.method,
        params: toWire(SCHEDULED.params, { ...call, callTime: call.callTimeSeconds, cacheSnapshot: snapshot }),
      };
    case 'processRequest':
      return { method: REQUEST.method, params: toWire(REQUEST.params, { ...call, cacheSnapshot: snapshot }) };
  }
}

// A plugin call's answer.
export function parseCallResult(raw: unknown): PluginCallResult {
  const r = fromWire(REQUEST.result, raw);
  const body = r.body;
  return {
    writes: (typeof r.writes === 'object' && r.writes !== null ? r.writes : {}) as Record<string, string[]>,
    cacheChanges: parseCacheChanges(r.cacheChanges),
    response: {
      status: typeof r.status === 'number' ? r.status : null,
      headers: (typeof r.headers === 'object' && r.headers !== null ? r.headers : {}) as Record<string, unknown>,
      body: body instanceof Uint8Array || typeof body === 'string' ? body : '',
    },
  };
}

// A plugin call's error response: the extra fields the runner adds (phase, cache changes) read back.
export function parseCallFailure(err: RemoteError): PluginCallFailure {
  const extra = fromWire(PROTOCOL_SHAPES.error, err.extra);
  return {
    errorType: err.errorType,
    message: err.message,
    traceback: err.traceback,
    phase: parseCallPhase(extra.phase),
    cacheChanges: parseCacheChanges(extra.cacheChanges),
  };
}
