// The protocol's housekeeping methods (design.md §"The child protocol"); plugin methods belong to the engine.
export const ChoreMethod = {
  hello: '$/hello',
  ping: '$/ping',
  cancel: '$/cancel',
  shutdown: '$/shutdown',
  protocolError: '$/protocol_error',
  // The child fetches one slice of a parted request parameter (protocol version 2).
  part: '$/part',
} as const;

// The protocol version this host speaks (python-runner's PROTOCOL_VERSION): 2 streams writes, query pages and
// parted parameters.
export const PROTOCOL_VERSION = 2;

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

// `$/hello` params (snake_case on the wire) to HelloInfo.
export function parseHello(params: unknown): HelloInfo {
  const p = asMap(params);
  const info: HelloInfo = {};
  if (typeof p.pid === 'number') info.pid = p.pid;
  if (typeof p.python_version === 'string') info.pythonVersion = p.python_version;
  if (typeof p.runner_version === 'string') info.runnerVersion = p.runner_version;
  if (typeof p.protocol_version === 'number') info.protocolVersion = p.protocol_version;
  if (typeof p.max_frame_bytes === 'number') info.maxFrameBytes = p.max_frame_bytes;
  if (typeof p.executable === 'string') info.executable = p.executable;
  return info;
}

// `$/ping` result to PingResult.
export function parsePingResult(result: unknown): PingResult {
  const r = asMap(result);
  return {
    busy: r.busy === true,
    callId: typeof r.call_id === 'number' ? r.call_id : null,
    queued: typeof r.queued === 'number' ? r.queued : 0,
  };
}

// `$/cancel` names the request to stop by its id.
export const cancelParams = (id: number): Record<string, unknown> => ({ id });

// `$/protocol_error` carries the child's view of what broke the stream.
export function parseProtocolErrorParams(params: unknown): string {
  const message = asMap(params).message;
  return typeof message === 'string' ? message : 'unspecified protocol error';
}

function asMap(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
