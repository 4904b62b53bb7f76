import { randomUUID } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import { isAppError } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import { errorBody, internalErrorMessage, type ErrorStyle } from '../formats/error-body.js';

// Response header carrying the id of a request that failed on the server's side, as written in the log.
export const REQUEST_ID_HEADER = 'request-id';

// Declares a route's error shape (`/query` and `/write` answer as 1.x, `/api/v2/*` as 2.x, the rest as 3.x).
export function errorStyle(style: ErrorStyle): Middleware {
  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.state.errorStyle = style;
    await next();
  };
}

// JSON ending with a newline, as every JSON body this server sends (curl's output stays off the prompt line).
function sendError(ctx: Context, body: Record<string, unknown>): void {
  ctx.type = 'application/json';
  ctx.body = `${JSON.stringify(body)}\n`;
}

// What a thrown error answers: its status and body in the route's shape. A typed error shows its message when
// exposed; anything else is logged with its stack and shows a generic message and a request id naming the log line.
export function errorResponse(
  err: unknown,
  ctx: Context,
  logger: Logger,
  newRequestId: () => string = randomUUID,
): { status: number; body: Record<string, unknown>; requestId?: string; retryAfterSeconds?: number } {
  const style: ErrorStyle = ctx.state.errorStyle ?? 'v3';
  if (isAppError(err)) {
    const message = err.expose ? err.message : 'internal error';
    const body = errorBody(style, { status: err.status, message, details: err.details });
    if (err.status < 500) {
      logger.debug({ path: ctx.path, status: err.status, reason: err.message }, 'request rejected');
      return { status: err.status, body };
    }
    // A transient refusal the server expected (a full backlog): the client is told when to retry; not a failure.
    if (err.retryAfterSeconds !== undefined) {
      logger.debug({ path: ctx.path, status: err.status, reason: err.message }, 'request refused for now');
      return { status: err.status, body, retryAfterSeconds: err.retryAfterSeconds };
    }
    const requestId = newRequestId();
    logger.error({ err, requestId, method: ctx.method, path: ctx.path }, 'request failed');
    return { status: err.status, body, requestId };
  }
  const requestId = newRequestId();
  logger.error({ err, requestId, method: ctx.method, path: ctx.path }, 'unhandled error in request');
  return { status: 500, body: errorBody(style, { status: 500, message: internalErrorMessage(requestId) }), requestId };
}

// The one place thrown errors become responses (errorResponse says what they answer).
export function errorMapper(logger: Logger, newRequestId: () => string = randomUUID): Middleware {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const { status, body, requestId, retryAfterSeconds } = errorResponse(err, ctx, logger, newRequestId);
      ctx.status = status;
      if (requestId) ctx.set(REQUEST_ID_HEADER, requestId);
      if (retryAfterSeconds !== undefined) ctx.set('Retry-After', String(retryAfterSeconds));
      sendError(ctx, body);
    }
  };
}
