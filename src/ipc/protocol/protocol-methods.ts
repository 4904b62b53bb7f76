// Every method of the child protocol, both ways, with the wire name of each field (python-runner/protocol.json is
// the contract both sides test against). Each field map is camelCase (what the engine sees) → snake_case (the wire).

// Who sends the request or notification.
export type Direction = 'host_to_child' | 'child_to_host';

// A request expects exactly one answer; a notification none.
export type MethodKind = 'request' | 'notification';

// One method: its wire name, direction, kind, and the fields of its params and of its result (null: no result).
export interface MethodSpec {
  readonly method: string;
  readonly direction: Direction;
  readonly kind: MethodKind;
  readonly params: Readonly<Record<string, string>>;
  readonly result: Readonly<Record<string, string>> | null;
}

// The fields every plugin call (`process_*`) may carry besides its own: dry runs name a database and a test cache.
const CALL_SCOPE = { database: 'database', cacheName: 'cache_name', cacheSnapshot: 'cache_snapshot' } as const;
// The common result of a plugin call: queued write lines not streamed yet, and the local cache's changes.
const CALL_RESULT = { writes: 'writes', cacheChanges: 'cache_changes' } as const;
// One page of a plugin query: `columns` on the first page, `cursor` while more pages follow.
const QUERY_PAGE = { columns: 'columns', rows: 'rows', cursor: 'cursor' } as const;

const hostRequest = <M extends string, P extends Record<string, string>, R extends Record<string, string>>(method: M, params: P, result: R) =>
  ({ method, direction: 'host_to_child', kind: 'request', params, result }) as const;
const childRequest = <M extends string, P extends Record<string, string>, R extends Record<string, string>>(method: M, params: P, result: R) =>
  ({ method, direction: 'child_to_host', kind: 'request', params, result }) as const;
const childNotification = <M extends string, P extends Record<string, string>>(method: M, params: P) =>
  ({ method, direction: 'child_to_host', kind: 'notification', params, result: null }) as const;

// The protocol, method by method (protocol version 3: streamed writes, query pages, parted parameters, WAL rows as column lists and value arrays).
export const PROTOCOL_METHODS = {
  // host → child: plugin calls, run one at a time in arrival order.
  load: hostRequest(
    'load',
    {
      pluginPath: 'plugin_path',
      database: 'database',
      source: 'source',
      persistCache: 'persist_cache',
      triggerName: 'trigger_name',
      cacheSnapshot: 'cache_snapshot',
      memoryLimitBytes: 'memory_limit_bytes',
    },
    {
      kind: 'kind',
      pid: 'pid',
      pythonVersion: 'python_version',
      cacheRestored: 'cache_restored',
      cacheRestoreFailed: 'cache_restore_failed',
      memoryLimitApplied: 'memory_limit_applied',
    },
  ),
  processWrites: hostRequest('process_writes', { ...CALL_SCOPE, tableBatches: 'table_batches', args: 'args' }, CALL_RESULT),
  processScheduledCall: hostRequest(
    'process_scheduled_call',
    { ...CALL_SCOPE, callTime: 'call_time', startAtNs: 'start_at_ns', args: 'args' },
    CALL_RESULT,
  ),
  processRequest: hostRequest(
    'process_request',
    { ...CALL_SCOPE, queryParameters: 'query_parameters', requestHeaders: 'request_headers', requestBody: 'request_body', args: 'args' },
    { ...CALL_RESULT, status: 'status', headers: 'headers', body: 'body' },
  ),
  // host → child chores, served ahead of queued calls.
  ping: hostRequest('$/ping', {}, { busy: 'busy', callId: 'call_id', queued: 'queued' }),
  cancel: hostRequest('$/cancel', { id: 'id' }, { cancelled: 'cancelled', state: 'state' }),
  shutdown: hostRequest('$/shutdown', {}, {}),
  // child → host chores.
  hello: childNotification('$/hello', {
    pid: 'pid',
    pythonVersion: 'python_version',
    runnerVersion: 'runner_version',
    protocolVersion: 'protocol_version',
    maxFrameBytes: 'max_frame_bytes',
    executable: 'executable',
  }),
  protocolError: childNotification('$/protocol_error', { message: 'message' }),
  part: childRequest('$/part', { callId: 'call_id', key: 'key', index: 'index' }, { items: 'items' }),
  // child → host: what influxdb3_local asks of the host during a call (`call_id` names the call).
  query: childRequest('query', { callId: 'call_id', query: 'query', args: 'args', database: 'database' }, QUERY_PAGE),
  queryNext: childRequest('query_next', { callId: 'call_id', cursor: 'cursor' }, QUERY_PAGE),
  queryClose: childNotification('query_close', { callId: 'call_id', cursor: 'cursor' }),
  writeChunk: childRequest('write_chunk', { callId: 'call_id', writes: 'writes' }, {}),
  writeSync: childRequest('write_sync', { callId: 'call_id', database: 'database', lines: 'lines', noSync: 'no_sync' }, {}),
  cacheGet: childRequest('cache_get', { callId: 'call_id', key: 'key', cacheName: 'cache_name' }, { found: 'found', value: 'value' }),
  cachePut: childRequest('cache_put', { callId: 'call_id', key: 'key', value: 'value', ttl: 'ttl', cacheName: 'cache_name' }, {}),
  cacheDelete: childRequest('cache_delete', { callId: 'call_id', key: 'key', cacheName: 'cache_name' }, { deleted: 'deleted' }),
  log: childNotification('log', { callId: 'call_id', level: 'level', text: 'text' }),
} as const satisfies Record<string, MethodSpec>;

// The maps that travel inside params and results, by name.
export const PROTOCOL_SHAPES = {
  // An error response's body (python-runner's ErrorBody); further fields pass through untouched.
  error: { type: 'type', message: 'message', traceback: 'traceback', phase: 'phase', cacheChanges: 'cache_changes' },
  // One entry of a cache snapshot or of `cache_changes.set`.
  cacheEntry: { value: 'value', expiresAt: 'expires_at' },
  // What a call changed in a local cache namespace.
  cacheChanges: { cacheName: 'cache_name', set: 'set', deleted: 'deleted', unpicklable: 'unpicklable' },
  // One table of a WAL flush (`process_writes` `table_batches`).
  tableBatch: { tableName: 'table_name', columns: 'columns', rows: 'rows' },
  // A parted parameter's placeholder: the peer fetches its slices with `$/part`.
  parted: { parts: '$parts' },
} as const satisfies Record<string, Readonly<Record<string, string>>>;

export type ProtocolMethodName = keyof typeof PROTOCOL_METHODS;

// Wire method names by their camelCase names, e.g. Method.processWrites === 'process_writes'.
export const Method = Object.fromEntries(Object.entries(PROTOCOL_METHODS).map(([name, spec]) => [name, spec.method])) as {
  readonly [K in ProtocolMethodName]: (typeof PROTOCOL_METHODS)[K]['method'];
};

// The housekeeping methods (`$/…`), which the connection serves or sends itself.
export const ChoreMethod = {
  hello: PROTOCOL_METHODS.hello.method,
  ping: PROTOCOL_METHODS.ping.method,
  cancel: PROTOCOL_METHODS.cancel.method,
  shutdown: PROTOCOL_METHODS.shutdown.method,
  protocolError: PROTOCOL_METHODS.protocolError.method,
  part: PROTOCOL_METHODS.part.method,
} as const;

type FieldMap = Readonly<Record<string, string>>;

// A camelCase object as its wire map: each field of `fields` renamed, undefined ones left out, others ignored.
export function toWire<F extends FieldMap>(fields: F, value: { readonly [K in keyof F]?: unknown }): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const key in fields) {
    const v = value[key];
    if (v !== undefined) wire[fields[key]!] = v;
  }
  return wire;
}

// A wire map read back as camelCase fields (values unchecked: each reader validates what it uses).
export function fromWire<F extends FieldMap>(fields: F, raw: unknown): { [K in keyof F]?: unknown } {
  const out: { [K in keyof F]?: unknown } = {};
  if (typeof raw !== 'object' || raw === null) return out;
  const map = raw as Record<string, unknown>;
  for (const key in fields) {
    const v = map[fields[key]!];
    if (v !== undefined) out[key] = v;
  }
  return out;
}
