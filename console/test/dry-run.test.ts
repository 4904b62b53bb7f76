import { expect } from 'chai';
import { dryRunView } from '../src/dry-run.js';

describe('console/dry-run: a plugin test answer as the Plugins page shows it', () => {
  it('a success: log lines, and the writes per database without empty ones, by name', () => {
    const view = dryRunView({
      trigger_time: null,
      log_lines: ['INFO: saw 2 rows'],
      database_writes: { zeta: ['z v=1'], alpha: ['a v=1', 'a v=2'], empty: [] },
      errors: [],
    });
    expect(view).to.deep.equal({
      ok: true,
      triggerTime: null,
      logLines: ['INFO: saw 2 rows'],
      writes: [{ database: 'alpha', lines: ['a v=1', 'a v=2'] }, { database: 'zeta', lines: ['z v=1'] }],
      errors: [],
    });
  });

  it('a failure: each error with its traceback, and the lines logged before it', () => {
    const view = dryRunView({
      trigger_time: '2026-01-01T00:00:00Z',
      log_lines: [],
      database_writes: {},
      errors: ['error executing plugin: ValueError: boom'],
      error_details: [{ message: 'boom', type: 'ValueError', traceback: 'Traceback (most recent call last):\n  ...', log_lines: ['INFO: before'] }],
    });
    expect(view.ok).to.equal(false);
    expect(view.triggerTime).to.equal('2026-01-01T00:00:00Z');
    expect(view.logLines).to.deep.equal(['INFO: before']);
    expect(view.errors).to.deep.equal([{ message: 'error executing plugin: ValueError: boom', traceback: 'Traceback (most recent call last):\n  ...' }]);
  });

  it('an error without details (an upstream server) still shows its message', () => {
    expect(dryRunView({ log_lines: [], database_writes: {}, errors: ['error executing plugin: x'] }).errors).to.deep.equal([{ message: 'error executing plugin: x', traceback: null }]);
  });
});
