import { expect } from 'chai';
import { AppError } from '../../../src/shared/app-error.js';
import {
  noRequestTrigger,
  RequestTriggerError,
  requestTriggerDatabaseMissing,
  requestTriggerDisabled,
  requestTriggerFailed,
  requestTriggerNotRunning,
} from '../../../src/engine/triggers/errors.js';

describe('engine/triggers/errors', () => {
  it('request trigger failures are typed errors with upstream statuses and texts', () => {
    const cases: Array<[RequestTriggerError, string, number, string]> = [
      [noRequestTrigger('a/b'), 'request_trigger_not_found', 404, "not found: no request trigger for path 'a/b'"],
      [requestTriggerDisabled('t'), 'request_trigger_disabled', 404, "not found: request trigger 't' is disabled"],
      [requestTriggerDatabaseMissing(), 'request_trigger_database_missing', 500, 'database not found'],
      [requestTriggerFailed('Python function call failed: E'), 'request_trigger_failed', 500, 'Python function call failed: E'],
      [requestTriggerNotRunning('t', 'the trigger was stopped'), 'request_trigger_not_running', 503, "request trigger 't' is not running: the trigger was stopped"],
    ];
    for (const [err, code, status, message] of cases) {
      expect(err).to.be.instanceOf(AppError);
      expect([err.code, err.status, err.message, err.expose]).to.deep.equal([code, status, message, true]);
    }
  });

  it('keeps the plugin failure as the cause', () => {
    const cause = new Error('KeyError: x');
    expect(requestTriggerFailed('Python function call failed: KeyError: x', cause).cause).to.equal(cause);
  });
});
