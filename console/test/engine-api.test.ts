import { expect } from 'chai';
import { createTriggerBody, sqlText } from '../src/engine-api.js';

describe('console/engine-api: what the engine pages send', () => {
  it('builds the create body as the CLI sends it', () => {
    const base = { db: 'plant', name: 't', plugin: 'p.py', spec: 'every:1s', errorBehavior: 'retry' as const, runAsync: true, disabled: false };
    expect(createTriggerBody({ ...base, arguments: [['k', 'v'], [' ', 'dropped'], [' x ', '1']] })).to.deep.equal({
      db: 'plant',
      trigger_name: 't',
      plugin_filename: 'p.py',
      trigger_specification: 'every:1s',
      trigger_arguments: { k: 'v', x: '1' },
      trigger_settings: { run_async: true, error_behavior: 'retry' },
      disabled: false,
    });
    expect(createTriggerBody({ ...base, arguments: [] }).trigger_arguments).to.equal(null);
  });

  it('quotes names into SQL string literals', () => {
    expect(sqlText("it's")).to.equal("'it''s'");
  });
});
