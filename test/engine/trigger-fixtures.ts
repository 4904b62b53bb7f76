import type { Trigger } from '../../src/storage/catalog/catalog-resources.js';

// A stored trigger for unit tests: trigger `t` on database `db` (id 1), `all_tables`, running `p.py` with the
// default settings; `over` changes any field.
export function triggerRecord(over: Partial<Trigger> = {}): Trigger {
  return {
    id: 1,
    name: 't',
    pluginFilename: 'p.py',
    databaseName: 'db',
    databaseId: 1,
    nodeSpec: 'all',
    specification: 'all_tables',
    settings: { runAsync: false, errorBehavior: 'log' },
    arguments: null,
    disabled: false,
    disabledReason: null,
    timeoutMs: null,
    ...over,
  };
}
