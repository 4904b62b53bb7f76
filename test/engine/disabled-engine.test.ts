import { expect } from 'chai';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { loadServeConfig } from '../../src/config/load.js';
import { DisabledEngine } from '../../src/engine/disabled-engine.js';
import { createLogger } from '../../src/shared/logger.js';
import type { Trigger } from '../../src/storage/catalog/catalog-resources.js';
import { SystemTableRegistry } from '../../src/storage/query/system-table-registry.js';
import { StorageEngine } from '../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../src/storage/storage-metrics.js';

const CONF = '/etc/influxdb3/influxdb3-engine.conf';

function trigger(id: number, name: string, db: { id: number; name: string }): Trigger {
  return {
    id, name, pluginFilename: 'p.py', databaseName: db.name, databaseId: db.id, nodeSpec: 'all', specification: 'every:1m',
    settings: { runAsync: false, errorBehavior: 'log' }, arguments: { a: '1' }, disabled: false, disabledReason: null, timeoutMs: null,
  };
}

describe('engine/disabled-engine: stored triggers without a plugin dir', () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger('info', sink);
  const tables = new SystemTableRegistry();
  let storage: StorageEngine;
  let engine: DisabledEngine;

  before(async () => {
    storage = new StorageEngine({
      objectStore: 'memory', dataDir: null, walFlushIntervalMs: 1000, logger: createLogger('silent'),
      metrics: new StorageMetrics(new Registry()), systemTables: tables.provide, systemTableNames: tables.names,
    });
    await storage.start();
    const a = await storage.createDatabase('alpha', null);
    const b = await storage.createDatabase('beta', null);
    const gone = await storage.createDatabase('gone', null);
    storage.setTriggers({ nextId: 4, triggers: [trigger(1, 'hourly', a), trigger(2, 'sweep', b), trigger(3, 'old', gone)] });
    await storage.softDeleteDatabase('gone', null);
    const config = { ...loadServeConfig({ flags: { objectStore: 'memory' }, env: {} }), configFile: CONF };
    engine = new DisabledEngine({ config, logger, registry: new Registry(), systemTables: tables, storage });
    await engine.start();
  });
  after(async () => {
    await engine.stop();
    await storage.stop();
  });

  it('warns at start naming the stored triggers of live databases and the missing setting', () => {
    const warns = lines.filter((l) => l.level === 40);
    expect(warns).to.have.length(1);
    expect(warns[0]!.msg).to.equal(
      `processing engine disabled: 2 stored triggers in databases [alpha, beta] will not run: plugin-dir is not set (set plugin-dir in ${CONF} to run them; ` +
        'they stay listed in system.processing_engine_triggers with state engine-disabled)',
    );
    expect(warns[0]!.triggers).to.deep.equal(['alpha/hourly', 'beta/sweep']);
  });

  it('lists them in system.processing_engine_triggers with state engine-disabled', async () => {
    const r = await storage.query('alpha', 'SELECT trigger_name, state, disabled_reason, database_name FROM system.processing_engine_triggers');
    expect(r.rows.map((row) => Object.values(row))).to.deep.equal([['hourly', 'engine-disabled', 'plugin-dir is not set', 'alpha']]);
    const args = await storage.query('beta', 'SELECT trigger_name, argument_key FROM system.processing_engine_trigger_arguments');
    expect(args.rows.map((row) => Object.values(row))).to.deep.equal([['sweep', 'a']]);
  });

  it('answers plugin operations with an error naming the config key and file', async () => {
    const message = await engine.createTrigger().then(() => '', (err: Error) => err.message);
    expect(message).to.equal(
      `Node not configured with plugin directory: No plugin directory configured (set plugin-dir in ${CONF} (e.g. plugin-dir = "/var/lib/influxdb3/plugins") and restart the server)`,
    );
    expect(() => engine.packages.assertAvailable()).to.throw(`set plugin-dir in ${CONF}`);
  });
});
