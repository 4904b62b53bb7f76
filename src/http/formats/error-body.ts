// The error shapes InfluxDB clients expect: 1.x and 3.x answer `{"error": msg[, "data": details]}`, the 2.x
// write API `{"code", "message"}` with code `invalid`, `request too large` or `internal error`.
export type ErrorStyle = 'v1' | 'v2' | 'v3';

export interface ErrorInfo {
  status: number;
  message: string;
  details?: unknown;
}

export function errorBody(style: ErrorStyle, { status, message, details }: ErrorInfo): Record<string, unknown> {
  if (style === 'v2') return { code: v2Code(status), message };
  return details === undefined ? { error: message } : { error: message, data: details };
}

function v2Code(status: number): string {
  if (status === 413) return 'request too large';
  return status >= 500 ? 'internal error' : 'invalid';
}

// What an unexpected failure shows: nothing of the error itself, only the id that finds its log line.
export function internalErrorMessage(requestId: string): string {
  return `internal error (request-id: ${requestId})`;
}
