import { HandlerError } from '../errors.js';
import { HostErrorType } from './error-types.js';
import { PROTOCOL_METHODS, fromWire, toWire } from './protocol-methods.js';

// A plugin log line's level.
export type ChildLogLevel = 'INFO' | 'WARN' | 'ERROR';

// Every child request names the host call it belongs to (the host's request id); null when it did not.
export interface CallScoped {
  callId: number | null;
}

export interface QueryParams extends CallScoped {
  database: string;
  query: string;
  args: Record<string, string> | null;
}

export interface QueryNextParams extends CallScoped {
  cursor: number;
}

export interface WriteChunkParams extends CallScoped {
  // Newline-joined lines per database (views of the frame: copy what is kept).
  writes: Map<string, Uint8Array>;
}

export interface WriteSyncParams extends CallScoped {
  database: string;
  lines: string;
  noSync: boolean;
}

export interface CacheKeyParams extends CallScoped {
  // null: the trigger's own namespace; else a test cache.
  cacheName: string | null;
  key: string;
}

export interface CachePutParams extends CacheKeyParams {
  // The pickled value (a view of the frame: copy it to keep it).
  value: Uint8Array;
  ttlSeconds: number | null;
}

export interface CacheGetResult {
  found: boolean;
  value: Buffer | null;
}

export interface LogParams extends CallScoped {
  level: ChildLogLevel;
  text: string;
}

// What the host does for the child's requests and notifications. A query page may be PreEncoded bytes of
// `{columns?, rows, cursor?}` (see plugin-data.ts); a throw becomes the error the plugin sees.
export interface ChildRequestHandlers {
  query(params: QueryParams): unknown;
  queryNext(params: QueryNextParams): unknown;
  queryClose(params: QueryNextParams): void;
  writeChunk(params: WriteChunkParams): Promise<void>;
  writeSync(params: WriteSyncParams): Promise<void>;
  cacheGet(params: CacheKeyParams): CacheGetResult;
  cachePut(params: CachePutParams): void;
  cacheDelete(params: CacheKeyParams): boolean;
  log(params: LogParams): void;
}

const M = PROTOCOL_METHODS;
const LEVELS = new Set<string>(['INFO', 'WARN', 'ERROR']);
const EMPTY = {};

const callIdOf = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const cacheNameOf = (v: unknown): string | null => (typeof v === 'string' ? v : null);

// What registering handlers needs of a connection (kept structural so the protocol does not depend on the
// connection layer, which depends on the protocol's chores).
export interface HandlerRegistrar {
  onRequest(method: string, handler: (params: any) => unknown): unknown;
  onNotification(method: string, handler: (params: any) => void): unknown;
}

// Registers the host's side of the child's requests on a connection: wire params read (defensively: the child
// validated them) into typed params, answers written back as wire maps.
export function registerChildRequestHandlers(connection: HandlerRegistrar, handlers: ChildRequestHandlers): void {
  connection.onRequest(M.query.method, (raw: unknown) => {
    const p = fromWire(M.query.params, raw);
    const args = typeof p.args === 'object' && p.args !== null ? (p.args as Record<string, string>) : null;
    return handlers.query({ callId: callIdOf(p.callId), database: String(p.database ?? ''), query: String(p.query ?? ''), args });
  });

  connection.onRequest(M.queryNext.method, (raw: unknown) => {
    const p = fromWire(M.queryNext.params, raw);
    return handlers.queryNext({ callId: callIdOf(p.callId), cursor: Number(p.cursor) });
  });

  connection.onNotification(M.queryClose.method, (raw: unknown) => {
    const p = fromWire(M.queryClose.params, raw);
    handlers.queryClose({ callId: callIdOf(p.callId), cursor: Number(p.cursor) });
  });

  connection.onRequest(M.writeChunk.method, async (raw: unknown) => {
    const p = fromWire(M.writeChunk.params, raw);
    const wire = typeof p.writes === 'object' && p.writes !== null ? (p.writes as Record<string, unknown>) : {};
    const writes = new Map<string, Uint8Array>();
    for (const [database, bytes] of Object.entries(wire)) {
      if (!(bytes instanceof Uint8Array)) throw new HandlerError(HostErrorType.typeError, `${M.writeChunk.method} lines for ${database} must be bin`);
      writes.set(database, bytes);
    }
    await handlers.writeChunk({ callId: callIdOf(p.callId), writes });
    return {};
  });

  connection.onRequest(M.writeSync.method, async (raw: unknown) => {
    const p = fromWire(M.writeSync.params, raw);
    await handlers.writeSync({
      callId: callIdOf(p.callId),
      database: String(p.database ?? ''),
      lines: String(p.lines ?? ''),
      noSync: p.noSync === true,
    });
    return {};
  });

  const cacheKey = (raw: unknown): CacheKeyParams => {
    const p = fromWire(M.cacheGet.params, raw);
    return { callId: callIdOf(p.callId), cacheName: cacheNameOf(p.cacheName), key: String(p.key) };
  };

  connection.onRequest(M.cacheGet.method, (raw: unknown) => toWire(M.cacheGet.result, handlers.cacheGet(cacheKey(raw))));

  connection.onRequest(M.cachePut.method, (raw: unknown) => {
    const p = fromWire(M.cachePut.params, raw);
    if (!(p.value instanceof Uint8Array)) throw new HandlerError(HostErrorType.typeError, `${M.cachePut.method} needs a pickled value (bin)`);
    handlers.cachePut({ ...cacheKey(raw), value: p.value, ttlSeconds: typeof p.ttl === 'number' ? p.ttl : null });
    return EMPTY;
  });

  connection.onRequest(M.cacheDelete.method, (raw: unknown) => toWire(M.cacheDelete.result, { deleted: handlers.cacheDelete(cacheKey(raw)) }));

  connection.onNotification(M.log.method, (raw: unknown) => {
    const p = fromWire(M.log.params, raw);
    const level = typeof p.level === 'string' && LEVELS.has(p.level) ? (p.level as ChildLogLevel) : 'INFO';
    handlers.log({ callId: callIdOf(p.callId), level, text: String(p.text ?? '') });
  });
}
