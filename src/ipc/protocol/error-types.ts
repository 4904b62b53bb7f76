// The error types of the wire, as python-runner's protocol.py names them (protocol.json `error_types`).

// Types the runner gives its own failures; a plugin's exception travels under its Python class name instead.
export const RunnerErrorType = {
  // The runner is stopping ($/shutdown): the call was refused or stopped.
  shuttingDown: 'ShuttingDown',
  // $/cancel reached the call before it started.
  cancelled: 'Cancelled',
  // What a running call's next API call raises once it is cancelled.
  keyboardInterrupt: 'KeyboardInterrupt',
  invalidRequest: 'InvalidRequest',
  invalidParams: 'InvalidParams',
  methodNotFound: 'MethodNotFound',
  notLoaded: 'NotLoaded',
  frameTooLarge: 'FrameTooLarge',
  pluginError: 'PluginError',
  pluginNotFound: 'PluginNotFound',
  missingEntryPoint: 'MissingEntryPointError',
  // process_request returned something that maps to no HTTP answer.
  responseError: 'ResponseError',
} as const;

export type RunnerErrorType = (typeof RunnerErrorType)[keyof typeof RunnerErrorType];

// A child error's type: one of the runner's, or a plugin exception's class name (`TypeError`, `QueryError`, …).
export type ChildErrorType = RunnerErrorType | (string & {});

// Types the host answers the child's requests with; the runner turns some into Python exceptions (ValueError).
export const HostErrorType = {
  queryError: 'QueryError',
  valueError: 'ValueError',
  runtimeError: 'RuntimeError',
  typeError: 'TypeError',
  invalidParams: 'InvalidParams',
  methodNotFound: 'MethodNotFound',
} as const;

export type HostErrorType = (typeof HostErrorType)[keyof typeof HostErrorType];

// Where a failed plugin call stopped: loading the plugin, running the entry point, mapping its answer, or the runner.
export const CallPhase = { load: 'load', call: 'call', response: 'response', internal: 'internal' } as const;

export type CallPhase = (typeof CallPhase)[keyof typeof CallPhase];

const PHASES = new Set<string>(Object.values(CallPhase));

// The phase an error body names, or null.
export function parseCallPhase(value: unknown): CallPhase | null {
  return typeof value === 'string' && PHASES.has(value) ? (value as CallPhase) : null;
}

// The child stopped the call because it was told to (shutdown, or $/cancel before or during the call).
export function isStopByRequest(errorType: string, cancelRequested: boolean): boolean {
  if (errorType === RunnerErrorType.shuttingDown || errorType === RunnerErrorType.cancelled) return true;
  return cancelRequested && errorType === RunnerErrorType.keyboardInterrupt;
}
