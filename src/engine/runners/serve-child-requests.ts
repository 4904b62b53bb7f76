import { HandlerError, type Connection } from '../../ipc/index.js';
import type { Logger } from '../../shared/logger.js';
import type { GlobalCache } from '../plugin-cache/global-cache.js';
import type { PluginLogLevel } from '../plugin-logs/plugin-log-store.js';
import type { CallHost, CallSlot } from './call-tracker.js';
import { QueryCursor } from './query-cursor.js';
import { QueuedWrites } from './queued-writes.js';

// Where the runner's requests go: the call they belong to (by call_id), and the shared global cache.
export interface ChildRequestRouting {
  hostFor(callId: unknown): CallHost | undefined;
  // The unanswered call itself: its streamed writes and query cursors live on it.
  slotFor?(callId: unknown): CallSlot | undefined;
  // Where staged writes spill beyond their memory share (the OS temp directory by default).
  spillDir?: string;
  globalCache: GlobalCache;
  logger: Logger;
}

const LEVELS = new Set<PluginLogLevel>(['INFO', 'WARN', 'ERROR']);

// The host side of PROTOCOL.md §4: a dispatch table for the child's requests (query, write_sync, cache_*) and its
// `log` notifications. Parameters were validated by the child; here they are only read defensively.
export function serveChildRequests(connection: Connection, routing: ChildRequestRouting): void {
  const { globalCache } = routing;
  const host = (callId: unknown, what: string): CallHost => {
    const h = routing.hostFor(callId);
    if (!h) throw new HandlerError('RuntimeError', `${what} from a plugin call that has already finished`);
    return h;
  };
  const cacheName = (p: Record<string, unknown>): string | null => (typeof p.cache_name === 'string' ? p.cache_name : null);
  const slot = (callId: unknown, what: string): CallSlot => {
    const s = routing.slotFor?.(callId);
    if (!s) throw new HandlerError('RuntimeError', `${what} from a plugin call that has already finished`);
    return s;
  };
  let nextCursor = 1;

  // A paged result answers with its first page; while rows remain it names a cursor for `query_next`.
  connection.onRequest('query', async (p: Record<string, unknown>) => {
    const args = typeof p.args === 'object' && p.args !== null ? (p.args as Record<string, string>) : null;
    const result = await host(p.call_id, 'query').query(String(p.database ?? ''), String(p.query ?? ''), args);
    if (!(result instanceof QueryCursor)) return result;
    const call = routing.slotFor?.(p.call_id);
    const id = nextCursor++;
    const page = await result.nextPage(id);
    if (!result.done) {
      if (call) call.cursors.set(id, result);
      else result.close();
    }
    return page;
  });

  connection.onRequest('query_next', async (p: Record<string, unknown>) => {
    const call = slot(p.call_id, 'query_next');
    const id = Number(p.cursor);
    const cursor = call.cursors.get(id);
    if (!(cursor instanceof QueryCursor)) throw new HandlerError('QueryError', `no open query cursor ${String(p.cursor)}`);
    try {
      return await cursor.nextPage(id);
    } finally {
      if (cursor.done) call.cursors.delete(id);
    }
  });

  connection.onNotification('query_close', (p: Record<string, unknown>) => {
    const call = routing.slotFor?.(p.call_id);
    const id = Number(p.cursor);
    call?.cursors.get(id)?.close();
    call?.cursors.delete(id);
  });

  // Queued write() lines streamed during the call: staged (bounded memory), applied once the call succeeded. The
  // answer comes after staging, which is the child's backpressure.
  connection.onRequest('write_chunk', async (p: Record<string, unknown>) => {
    const call = slot(p.call_id, 'write_chunk');
    const writes = typeof p.writes === 'object' && p.writes !== null ? (p.writes as Record<string, unknown>) : {};
    call.writes ??= new QueuedWrites({ spillDir: routing.spillDir });
    for (const [database, bytes] of Object.entries(writes)) {
      if (!(bytes instanceof Uint8Array)) throw new HandlerError('TypeError', `write_chunk lines for ${database} must be bin`);
      await call.writes.stage(database, bytes);
    }
    return {};
  });

  connection.onRequest('write_sync', async (p: Record<string, unknown>) => {
    await host(p.call_id, 'write_sync').writeSync(String(p.database ?? ''), String(p.lines ?? ''), p.no_sync === true);
    return {};
  });

  connection.onRequest('cache_get', (p: Record<string, unknown>) => globalCache.get(cacheName(p), String(p.key)));

  connection.onRequest('cache_put', (p: Record<string, unknown>) => {
    if (!(p.value instanceof Uint8Array)) throw new HandlerError('TypeError', 'cache_put needs a pickled value (bin)');
    const ttl = typeof p.ttl === 'number' ? p.ttl : null;
    // The decoded bytes are a view of the frame: copy them so the frame can be freed.
    globalCache.put(cacheName(p), String(p.key), Buffer.from(p.value), ttl);
    return {};
  });

  connection.onRequest('cache_delete', (p: Record<string, unknown>) => ({ deleted: globalCache.delete(cacheName(p), String(p.key)) }));

  connection.onNotification('log', (p: Record<string, unknown>) => {
    const level = LEVELS.has(p.level as PluginLogLevel) ? (p.level as PluginLogLevel) : 'INFO';
    const text = String(p.text ?? '');
    const h = routing.hostFor(p.call_id);
    if (h) h.log(level, text);
    else routing.logger.info({ level }, `processing engine: ${text}`);
  });
}
