import type { Context, Next } from 'koa';
import { isAppError } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';

// Maps thrown errors to InfluxDB-style responses: `{"error": msg[, "data": details]}` with the error's status.
export function errorMapper(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      if (isAppError(err)) {
        ctx.status = err.status;
        const message = err.expose ? err.message : 'internal error';
        if (ctx.state.errorStyle === 'v2') {
          ctx.body = { code: err.status === 413 ? 'request too large' : err.status >= 500 ? 'internal error' : 'invalid', message };
        } else {
          ctx.body = err.details === undefined ? { error: message } : { error: message, data: err.details };
        }
        if (err.status >= 500) logger.error({ err, path: ctx.path }, 'request failed');
        else logger.debug({ path: ctx.path, status: err.status, msg: err.message }, 'request rejected');
        return;
      }
      logger.error({ err, path: ctx.path, method: ctx.method }, 'unhandled error in request');
      ctx.status = 500;
      ctx.body = { error: `internal error: ${(err as Error)?.message ?? String(err)}` };
    }
  };
}
