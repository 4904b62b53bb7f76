// Every error the server raises on purpose: a stable code, an HTTP status and whether the message may be shown.
export interface AppErrorOptions {
  status?: number;
  expose?: boolean;
  details?: unknown;
  cause?: unknown;
  // A transient refusal (503, 429): the client may retry after this many seconds (the HTTP edge sends Retry-After).
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly details: unknown;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? 500;
    this.expose = options.expose ?? true;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const badRequest = (message: string, details?: unknown): AppError =>
  new AppError('bad_request', message, { status: 400, details });
export const notFound = (message: string): AppError => new AppError('not_found', message, { status: 404 });
export const conflict = (message: string): AppError => new AppError('already_exists', message, { status: 409 });

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
