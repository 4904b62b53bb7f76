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
} from './messages/chore-methods.js';
