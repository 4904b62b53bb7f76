import { isAppError } from '../shared/app-error.js';

// gRPC status codes (grpc/doc/statuscodes.md), the ones this service answers with.
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcCodeValue = (typeof GrpcCode)[keyof typeof GrpcCode];

// An error the gRPC edge answers with its own status code and message.
export class GrpcError extends Error {
  constructor(
    readonly code: GrpcCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcError';
  }
}

export const unimplemented = (what: string): GrpcError => new GrpcError(GrpcCode.UNIMPLEMENTED, `${what} is not implemented`);
export const invalidArgument = (message: string): GrpcError => new GrpcError(GrpcCode.INVALID_ARGUMENT, message);

// The status a thrown error is answered with; `internal` is true for the unexpected ones (logged with their stack,
// answered with a generic message).
export function statusOf(err: unknown): { code: GrpcCodeValue; message: string; internal: boolean } {
  if (err instanceof GrpcError) return { code: err.code, message: err.message, internal: false };
  if (isAppError(err)) {
    const message = err.expose ? err.message : 'internal error';
    if (err.code === 'malformed_authorization') return { code: GrpcCode.UNAUTHENTICATED, message, internal: false };
    switch (err.status) {
      case 400:
      case 413:
      case 415:
      case 422:
        return { code: GrpcCode.INVALID_ARGUMENT, message, internal: false };
      case 401:
        return { code: GrpcCode.UNAUTHENTICATED, message, internal: false };
      case 403:
        return { code: GrpcCode.PERMISSION_DENIED, message, internal: false };
      case 404:
        return { code: GrpcCode.NOT_FOUND, message, internal: false };
      case 405:
      case 501:
        return { code: GrpcCode.UNIMPLEMENTED, message, internal: false };
      case 409:
        return { code: GrpcCode.ALREADY_EXISTS, message, internal: false };
      case 429:
        return { code: GrpcCode.RESOURCE_EXHAUSTED, message, internal: false };
      case 503:
        return { code: GrpcCode.UNAVAILABLE, message, internal: false };
      case 504:
        return { code: GrpcCode.DEADLINE_EXCEEDED, message, internal: false };
      default:
        return { code: GrpcCode.INTERNAL, message: 'internal error', internal: true };
    }
  }
  return { code: GrpcCode.INTERNAL, message: 'internal error', internal: true };
}
