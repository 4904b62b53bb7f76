import { isAppError } from '../../shared/app-error.js';
import { HandlerError } from '../errors.js';
import type { ErrorBody } from '../messages/envelope.js';

// A host handler's failure as the child sees it: a type it can branch on and a message; host stacks stay home.
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof HandlerError) return { type: err.errorType, message: err.message, traceback: null, extra: {} };
  if (err instanceof Error) {
    const extra = isAppError(err) ? { code: err.code } : {};
    return { type: err.name || 'Error', message: err.message, traceback: null, extra };
  }
  return { type: 'Error', message: String(err), traceback: null, extra: {} };
}
