import { ChoreMethod, PROTOCOL_METHODS, PROTOCOL_SHAPES, fromWire, toWire } from './protocol-methods.js';

export { ChoreMethod };

// The wire key of a parted parameter's placeholder.
export const PARTS_KEY = PROTOCOL_SHAPES.parted.parts;

// The protocol version this host speaks (python-runner's PROTOCOL_VERSION): 2 streams writes, query pages and
// parted parameters; 3 sends WAL rows as value arrays under a column list per table fragment.
export const PROTOCOL_VERSION = 3;

// What the runner says about itself when it is ready; every field optional so older runners still start.
export interface HelloInfo {
  pid?: number;
  pythonVersion?: string;
  runnerVersion?: string;
  protocolVersion?: number;
  maxFrameBytes?: number;
  executable?: string;
}

// Liveness answer: whether a call is running and how many wait behind it.
export interface PingResult {
  busy: boolean;
  callId: number | null;
  queued: number;
}

// `$/hello` params to HelloInfo.
export function parseHello(params: unknown): HelloInfo {
  const p = fromWire(PROTOCOL_METHODS.hello.params, params);
  const info: HelloInfo = {};
  if (typeof p.pid === 'number') info.pid = p.pid;
  if (typeof p.pythonVersion === 'string') info.pythonVersion = p.pythonVersion;
  if (typeof p.runnerVersion === 'string') info.runnerVersion = p.runnerVersion;
  if (typeof p.protocolVersion === 'number') info.protocolVersion = p.protocolVersion;
  if (typeof p.maxFrameBytes === 'number') info.maxFrameBytes = p.maxFrameBytes;
  if (typeof p.executable === 'string') info.executable = p.executable;
  return info;
}

// `$/ping` result to PingResult.
export function parsePingResult(result: unknown): PingResult {
  const r = fromWire(PROTOCOL_METHODS.ping.result, result);
  return {
    busy: r.busy === true,
    callId: typeof r.callId === 'number' ? r.callId : null,
    queued: typeof r.queued === 'number' ? r.queued : 0,
  };
}

// `$/cancel` names the request to stop by its id; without one it stops the running call.
export const cancelParams = (id?: number): Record<string, unknown> => toWire(PROTOCOL_METHODS.cancel.params, { id });

// `$/protocol_error` carries the child's view of what broke the stream.
export function parseProtocolErrorParams(params: unknown): string {
  const { message } = fromWire(PROTOCOL_METHODS.protocolError.params, params);
  return typeof message === 'string' ? message : 'unspecified protocol error';
}

// `$/part` params: slice `index` of parameter `key` of the host's request `callId`.
export interface PartParams {
  callId: number | null;
  key: string;
  index: number | null;
}

export function parsePartParams(params: unknown): PartParams {
  const p = fromWire(PROTOCOL_METHODS.part.params, params);
  return {
    callId: typeof p.callId === 'number' ? p.callId : null,
    key: String(p.key),
    index: typeof p.index === 'number' ? p.index : null,
  };
}

// The `$/part` answer around one slice.
export const partResult = (items: unknown): Record<string, unknown> => toWire(PROTOCOL_METHODS.part.result, { items });

// A parted parameter's placeholder `{"$parts": n}`.
export const partedPlaceholder = (parts: number): Record<string, unknown> => ({ [PARTS_KEY]: parts });
