import { HandlerError, HostErrorType, Method, registerChildRequestHandlers, type Connection } from '../../ipc/index.js';
import type { Logger } from '../../shared/logger.js';
import type { GlobalCache } from '../plugin-cache/global-cache.js';
import type { CallHost, CallSlot } from './call-tracker.js';
import { QueryCursor } from './query-cursor.js';
import { QueuedWrites } from './queued-writes.js';

// Where the runner's requests go: the call they belong to (by its request id), and the shared global cache.
export interface ChildRequestRouting {
  hostFor(callId: unknown): CallHost | undefined;
  // The unanswered call itself: its streamed writes and query cursors live on it.
  slotFor?(callId: unknown): CallSlot | undefined;
  // Where staged writes spill beyond their memory share (the OS temp directory by default).
  spillDir?: string;
  globalCache: GlobalCache;
  logger: Logger;
}

// What the host does for a plugin's requests during a call: queries (paged), streamed and synchronous writes, the
// global cache and log lines, each routed to the call it belongs to.
export function serveChildRequests(connection: Connection, routing: ChildRequestRouting): void {
  const { globalCache } = routing;
  const host = (callId: unknown, what: string): CallHost => {
    const h = routing.hostFor(callId);
    if (!h) throw new HandlerError(HostErrorType.runtimeError, `${what} from a plugin call that has already finished`);
    return h;
  };
  const slot = (callId: unknown, what: string): CallSlot => {
    const s = routing.slotFor?.(callId);
    if (!s) throw new HandlerError(HostErrorType.runtimeError, `${what} from a plugin call that has already finished`);
    return s;
  };
  let nextCursor = 1;

  registerChildRequestHandlers(connection, {
    // A paged result answers with its first page; while rows remain it names a cursor for the next ones.
    query: async ({ callId, database, query, args }) => {
      const result = await host(callId, Method.query).query(database, query, args);
      if (!(result instanceof QueryCursor)) return result;
      const call = routing.slotFor?.(callId);
      const id = nextCursor++;
      const page = await result.nextPage(id);
      if (!result.done) {
        if (call) call.cursors.set(id, result);
        else result.close();
      }
      return page;
    },

    queryNext: async ({ callId, cursor: id }) => {
      const call = slot(callId, Method.queryNext);
      const cursor = call.cursors.get(id);
      if (!(cursor instanceof QueryCursor)) throw new HandlerError(HostErrorType.queryError, `no open query cursor ${id}`);
      try {
        return await cursor.nextPage(id);
      } finally {
        if (cursor.done) call.cursors.delete(id);
      }
    },

    queryClose: ({ callId, cursor: id }) => {
      const call = routing.slotFor?.(callId);
      call?.cursors.get(id)?.close();
      call?.cursors.delete(id);
    },

    // Queued write() lines streamed during the call: staged (bounded memory), applied once the call succeeded. The
    // answer comes after staging, which is the child's backpressure.
    writeChunk: async ({ callId, writes }) => {
      const call = slot(callId, Method.writeChunk);
      call.writes ??= new QueuedWrites({ spillDir: routing.spillDir });
      for (const [database, bytes] of writes) await call.writes.stage(database, bytes);
    },

    writeSync: ({ callId, database, lines, noSync }) => host(callId, Method.writeSync).writeSync(database, lines, noSync),

    cacheGet: ({ cacheName, key }) => globalCache.get(cacheName, key),

    // The decoded bytes are a view of the frame: copy them so the frame can be freed.
    cachePut: ({ cacheName, key, value, ttlSeconds }) => globalCache.put(cacheName, key, Buffer.from(value), ttlSeconds),

    cacheDelete: ({ cacheName, key }) => globalCache.delete(cacheName, key),

    log: ({ callId, level, text }) => {
      const h = routing.hostFor(callId);
      if (h) h.log(level, text);
      else routing.logger.info({ level }, `processing engine: ${text}`);
    },
  });
}
