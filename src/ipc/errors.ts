import { AppError } from '../shared/app-error.js';
import type { ChildErrorType, HostErrorType } from './protocol/error-types.js';

// The stream itself is broken (bad frame, undecodable payload, unknown id): the connection cannot go on.
export class ProtocolError extends AppError {
  constructor(message: string, details?: unknown, cause?: unknown) {
    super('ipc_protocol_error', message, { status: 500, expose: false, details, cause });
    this.name = 'ProtocolError';
  }
}

// A frame above the cap is refused before a byte of its payload is buffered, so a corrupt header cannot hang us.
export class FrameTooLargeError extends ProtocolError {
  readonly length: number;
  readonly maxFrameBytes: number;

  constructor(length: number, maxFrameBytes: number) {
    super(`frame of ${length} bytes exceeds the maximum frame size of ${maxFrameBytes} bytes`, {
      length,
      maxFrameBytes,
    });
    this.name = 'FrameTooLargeError';
    this.length = length;
    this.maxFrameBytes = maxFrameBytes;
  }
}

// A call the peer did not answer in time; the supervisor decides what to do with the child.
export class TimeoutError extends AppError {
  readonly method: string;
  readonly timeoutMs: number;

  constructor(method: string, timeoutMs: number) {
    super('ipc_timeout', `request '${method}' timed out after ${timeoutMs} ms`, {
      status: 504,
      details: { method, timeoutMs },
    });
    this.name = 'TimeoutError';
    this.method = method;
    this.timeoutMs = timeoutMs;
  }
}

// Every call still waiting when the connection goes away fails with the reason it went away.
export class ConnectionClosedError extends AppError {
  readonly reason: string;

  constructor(reason: string, cause?: unknown) {
    super('ipc_connection_closed', `connection closed: ${reason}`, { status: 500, expose: false, cause });
    this.name = 'ConnectionClosedError';
    this.reason = reason;
  }
}

// The peer answered with an error object: its type, message and traceback are the plugin's, kept verbatim.
export class RemoteError extends AppError {
  readonly method: string;
  readonly errorType: ChildErrorType;
  readonly traceback: string | null;
  // Any further fields of the wire error object (e.g. `phase`), untouched.
  readonly extra: Record<string, unknown>;

  constructor(method: string, errorType: ChildErrorType, message: string, traceback: string | null, extra = {}) {
    super('ipc_remote_error', message, { status: 500, details: { method, errorType, ...extra } });
    this.name = 'RemoteError';
    this.method = method;
    this.errorType = errorType;
    this.traceback = traceback;
    this.extra = extra;
  }
}

// Thrown by a host-side request handler to choose the `type` the child sees (e.g. 'ValueError', 'QueryError').
export class HandlerError extends Error {
  readonly errorType: HostErrorType;

  constructor(errorType: HostErrorType, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HandlerError';
    this.errorType = errorType;
  }
}

// Failing to start and dying later are handled differently by the supervisor.
export type RunnerErrorCode = 'runner_start_failed' | 'runner_exited';

// The execa-style facts every runner error carries.
export interface RunnerErrorInfo {
  name: string;
  pid: number | undefined;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stderrTail: string;
}

// A child that failed to start or died: like execa's errors, it says which process, how it ended and what it said.
export class RunnerError extends AppError {
  declare readonly code: RunnerErrorCode;
  readonly runner: string;
  readonly pid: number | undefined;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stderrTail: string;

  constructor(code: RunnerErrorCode, summary: string, info: RunnerErrorInfo, cause?: unknown) {
    super(code, formatRunnerMessage(summary, info), { status: 500, expose: false, details: info, cause });
    this.name = 'RunnerError';
    this.runner = info.name;
    this.pid = info.pid;
    this.exitCode = info.exitCode;
    this.signal = info.signal;
    this.timedOut = info.timedOut;
    this.stderrTail = info.stderrTail;
  }
}

// How a child ended, in words: "exited with code 1", "killed by SIGKILL".
export function describeExit(exitCode: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  if (exitCode !== null) return `exited with code ${exitCode}`;
  return 'did not start';
}

function formatRunnerMessage(summary: string, info: RunnerErrorInfo): string {
  const who = `runner '${info.name}'${info.pid === undefined ? '' : ` (pid ${info.pid})`}`;
  const tail = info.stderrTail.trim();
  return `${who} ${summary}${tail ? `; stderr:\n${tail}` : ''}`;
}
