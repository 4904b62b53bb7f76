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

/**
 * The one place thrown errors become responses. A typed error answers with its status and, when exposed, its
 * message in the route's shape; anything else is logged with its stack and answered 500 with a generic message
 * and a request id (also in the `request-id` header) that names the log line.
 */
export function errorMapper(logger: Logger, newRequestId: () => string = randomUUID): Middleware {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const style: ErrorStyle = ctx.state.errorStyle ?? 'v3';
      if (isAppError(err)) {
        ctx.status = err.status;
        const message = err.expose ? err.message : 'internal error';
        sendError(ctx, errorBody(style, { status: err.status, message, details: err.details }));
        if (err.status >= 500) {
          const requestId = newRequestId();
          ctx.set(REQUEST_ID_HEADER, requestId);
          logger.error({ err, requestId, method: ctx.method, path: ctx.path }, 'request failed');
        } else {
          logger.debug({ path: ctx.path, status: err.status, reason: err.message }, 'request rejected');
        }
        return;
      }
      const requestId = newRequestId();
      logger.error({ err, requestId, method: ctx.method, path: ctx.path }, 'unhandled error in request');
      ctx.status = 500;
      ctx.set(REQUEST_ID_HEADER, requestId);
      sendError(ctx, errorBody(style, { status: 500, message: internalErrorMessage(requestId) }));
    }
  };
}
