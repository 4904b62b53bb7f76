// The engine's one door into ipc: it needs connections and runners, never frames.
export { spawnRunner, type ExitInfo, type RunnerProcess, type SpawnRunnerOptions } from './child/spawn-runner.js';
export { buildChildEnv, filterEnv, INHERIT_ALL, type ChildEnvPolicy } from './child/build-child-env.js';
export { readRssBytes } from './child/read-rss-bytes.js';
export { OutputRateLimiter } from './child/output-rate-limiter.js';
export { MsgpackCodec, PartedValue, PreEncoded } from './codec/msgpack-codec.js';
export {
  Connection,
  type ConnectionOptions,
  type NotificationHandler,
  type RequestContext,
  type RequestHandler,
  type RequestOptions,
} from './connection/connection.js';
export {
  ConnectionClosedError,
  FrameTooLargeError,
  HandlerError,
  ProtocolError,
  RemoteError,
  RunnerError,
  TimeoutError,
  describeExit,
} from './errors.js';
export { DEFAULT_MAX_FRAME_BYTES } from './framing/frame-limits.js';
export {
  ChoreMethod,
  PROTOCOL_VERSION,
  parseHello,
  parsePingResult,
  type HelloInfo,
  type PingResult,
} from './protocol/chores.js';
export { Method, PROTOCOL_METHODS, PROTOCOL_SHAPES, type MethodSpec } from './protocol/protocol-methods.js';
export { CallPhase, HostErrorType, RunnerErrorType, isStopByRequest, type ChildErrorType } from './protocol/error-types.js';
export { parseCacheChanges, snapshotToWire, type CacheChanges, type CacheEntry, type CacheSnapshot } from './protocol/cache-wire.js';
export {
  loadRequest,
  parseCallFailure,
  parseCallResult,
  parseLoadResult,
  pluginCallRequest,
  type LoadParams,
  type LoadResult,
  type PluginArgs,
  type PluginCall,
  type PluginCallFailure,
  type PluginCallResult,
  type PluginResponse,
  type WireRequest,
} from './protocol/plugin-calls.js';
export {
  registerChildRequestHandlers,
  type CacheGetResult,
  type CacheKeyParams,
  type CachePutParams,
  type ChildLogLevel,
  type ChildRequestHandlers,
  type LogParams,
  type QueryNextParams,
  type QueryParams,
  type WriteChunkParams,
  type WriteSyncParams,
} from './protocol/child-request-handlers.js';
export {
  QueryPageEncoder,
  binWrapped,
  encodeQueryResult,
  encodeTableBatchParts,
  encodeTableBatches,
  numberKindFor,
  type PluginColumn,
  type PluginQueryResult,
  type PluginTableBatch,
} from './protocol/plugin-data.js';
