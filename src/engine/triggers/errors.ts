import { AppError } from '../../shared/app-error.js';

export type RequestTriggerErrorCode =
  | 'request_trigger_not_found'
  | 'request_trigger_disabled'
  | 'request_trigger_database_missing'
  | 'request_trigger_failed'
  | 'request_trigger_not_running'
  | 'request_trigger_on_other_node';

// Why a call to a request trigger got no answer from its plugin; the HTTP edge renders it with its status.
export class RequestTriggerError extends AppError {
  declare readonly code: RequestTriggerErrorCode;

  constructor(code: RequestTriggerErrorCode, message: string, status: number, cause?: unknown) {
    super(code, message, { status, cause });
    this.name = 'RequestTriggerError';
  }
}

export function noRequestTrigger(path: string): RequestTriggerError {
  return new RequestTriggerError('request_trigger_not_found', `not found: no request trigger for path '${path}'`, 404);
}

export function requestTriggerDisabled(triggerName: string): RequestTriggerError {
  return new RequestTriggerError('request_trigger_disabled', `not found: request trigger '${triggerName}' is disabled`, 404);
}

// The trigger is pinned to other nodes (node_spec): it is stored here but runs there.
export function requestTriggerOnOtherNode(triggerName: string, nodes: string, nodeId: string): RequestTriggerError {
  return new RequestTriggerError('request_trigger_on_other_node', `not found: request trigger '${triggerName}' runs on ${nodes}, not on this node ('${nodeId}')`, 404);
}

// The trigger's database went away while the trigger was still registered.
export function requestTriggerDatabaseMissing(): RequestTriggerError {
  return new RequestTriggerError('request_trigger_database_missing', 'database not found', 500);
}

// The plugin failed the call: `text` is what the client sees (see requestErrorText).
export function requestTriggerFailed(text: string, cause?: unknown): RequestTriggerError {
  return new RequestTriggerError('request_trigger_failed', text, 500, cause);
}

// The trigger could not take the call: stopping, stopped, waiting for its environment or its queue full.
export function requestTriggerNotRunning(triggerName: string, why: string): RequestTriggerError {
  return new RequestTriggerError('request_trigger_not_running', `request trigger '${triggerName}' is not running: ${why}`, 503);
}
