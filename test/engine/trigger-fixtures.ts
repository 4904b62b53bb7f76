import type { TriggerRecord } from '../../src/engine/triggers/trigger-record.js';

// A stored trigger for unit tests: trigger `t` on database `db` (id 1), `all_tables`, running `p.py` with the
// default settings; `over` changes any field.
export function triggerRecord(over: Partial<TriggerRecord> = {}): TriggerRecord {
  return {
    trigger_id: 1,
    trigger_name: 't',
    plugin_filename: 'p.py',
    database_name: 'db',
    database_id: 1,
    node_spec: 'all',
    trigger_specification: 'all_tables',
    trigger_settings: { run_async: false, error_behavior: 'log' },
    trigger_arguments: null,
    disabled: false,
    disabled_reason: null,
    timeout_ms: null,
    ...over,
  };
}
