import { expect } from 'chai';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/shared/logger.js';
import { Catalog } from '../../../src/storage/catalog/catalog.js';
import { catalogFromFile, catalogToFile } from '../../../src/storage/catalog/catalog-file.js';

// A catalog.json as the server wrote it before the file had one naming convention (version 1).
const V1_FIXTURE = join(import.meta.dirname, '../../fixtures/catalog/catalog-v1.json');

// Every key of a JSON document, at any depth, except those under `columns` entries' values and map-like objects.
function keysOf(value: unknown, out = new Set<string>(), skip = new Set(['trigger_arguments'])): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysOf(v, out, skip);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      if (!skip.has(k)) keysOf(v, out, skip);
    }
  }
  return out;
}

describe('storage/catalog/catalog-file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalog-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a version 1 file and rewrites it as version 2 in snake_case, with nothing lost', () => {
    const v1 = JSON.parse(readFileSync(V1_FIXTURE, 'utf8'));
    copyFileSync(V1_FIXTURE, join(dir, 'catalog.json'));
    const catalog = new Catalog({ dir, logger: createLogger('silent') });
    catalog.load();

    const written = JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8'));
    expect(written.version).to.equal(2);
    expect(statSync(join(dir, 'catalog.json')).mode & 0o777).to.equal(0o600);
    for (const key of keysOf(written)) expect(key, key).to.match(/^[a-z0-9]+(_[a-z0-9]+)*$/);

    // Top level and databases: the same values under snake_case names.
    expect(written.catalog_uuid).to.equal(v1.catalogUuid);
    expect(written.next_database_id).to.equal(v1.nextDatabaseId);
    expect(written.next_table_id).to.equal(v1.nextTableId);
    expect(written.databases).to.deep.equal(
      v1.databases.map((d: any) => ({
        id: d.id,
        name: d.name,
        retention_period: d.retentionPeriod,
        retention_period_ns: d.retentionPeriodNs,
        deleted: d.deleted,
        hard_delete_at: d.hardDeleteAt,
        created_at: d.createdAt,
        tables: d.tables.map((t: any) => ({ id: t.id, name: t.name, columns: t.columns, deleted: t.deleted, hard_delete_at: t.hardDeleteAt })),
      })),
    );
    // Triggers and tokens were snake_case already: identical records.
    expect(written.processing_engine_triggers).to.deep.equal(v1.sections.processing_engine_triggers);
    expect(written.tokens).to.deep.equal(v1.sections.tokens);
    // Caches: the same values under snake_case names.
    expect(written.caches.last).to.deep.equal(
      v1.sections.caches.last.map((c: any) => ({
        db_id: c.dbId, table_id: c.tableId, table: c.table, name: c.name, key_columns: c.keyColumns, value_columns: c.valueColumns, count: c.count, ttl_seconds: c.ttlSeconds,
      })),
    );
    expect(written.caches.distinct).to.deep.equal(
      v1.sections.caches.distinct.map((c: any) => ({
        db_id: c.dbId, table_id: c.tableId, table: c.table, name: c.name, columns: c.columns, max_cardinality: c.maxCardinality, max_age_seconds: c.maxAgeSeconds,
      })),
    );

    // The domain view of the migrated catalog.
    expect(catalog.uuid).to.equal(v1.catalogUuid);
    expect(catalog.database('sensors')).to.include({ retentionPeriod: '30d', retentionPeriodNs: '2592000000000000' });
    expect(catalog.databases(true).find((d) => d.deleted)?.hardDeleteAt).to.equal('2099-01-01T00:00:00.000Z');
    const [every, wal] = catalog.triggers().triggers;
    expect(every).to.deep.equal({
      id: 1, name: 'every_min', pluginFilename: 'sched.py', databaseName: 'sensors', databaseId: 2, nodeSpec: 'all', specification: 'every:1m',
      settings: { runAsync: true, errorBehavior: 'retry' }, arguments: { a: '1' }, disabled: false, disabledReason: null, timeoutMs: 5000,
      memoryLimitBytes: 1048576, cpuLimit: 0.5, maxProcesses: 8,
    });
    expect(wal).to.not.have.property('memoryLimitBytes');
    expect(catalog.triggers().nextId).to.equal(3);
    expect(catalog.tokens().tokens[1]).to.deep.include({ name: 'reader', createdAt: 1_700_000_000_000, expiryMillis: 1_700_003_600_000, createdBy: 1 });
    expect(catalog.tokens().tokens[1]!.permissions).to.deep.equal([{ resourceType: 'db', resourceIdentifier: ['sensors'], actions: ['read'] }]);
    expect(catalog.cacheDefinitions()?.last[0]).to.include({ name: 'cpu_last', ttlSeconds: 600 });

    // Loading the rewritten file gives the same catalog back.
    const again = new Catalog({ dir, logger: createLogger('silent') });
    again.load();
    expect(catalogToFile(catalogFromFile(written))).to.deep.equal(written);
    expect(again.triggers()).to.deep.equal(catalog.triggers());
    expect(again.tokens()).to.deep.equal(catalog.tokens());
    expect(again.cacheDefinitions()).to.deep.equal(catalog.cacheDefinitions());
    expect(again.databases(true)).to.deep.equal(catalog.databases(true));
  });

  it("keeps a trigger's node pinning in upstream's serialized shape", () => {
    const written = catalogToFile(catalogFromFile(JSON.parse(readFileSync(V1_FIXTURE, 'utf8'))));
    type Pinned = { processing_engine_triggers: { triggers: Array<{ node_spec: unknown }> } };
    (written as unknown as Pinned).processing_engine_triggers.triggers[0]!.node_spec = { nodes: ['proc-1', 'proc-2'] };
    const state = catalogFromFile(JSON.parse(JSON.stringify(written)));
    expect(state.triggers!.triggers[0]!.nodeSpec).to.deep.equal({ nodes: ['proc-1', 'proc-2'] });
    expect(state.triggers!.triggers[1]!.nodeSpec).to.equal('all');
    expect((catalogToFile(state) as unknown as Pinned).processing_engine_triggers.triggers[0]!.node_spec).to.deep.equal({ nodes: ['proc-1', 'proc-2'] });
  });

  it('refuses a version it does not know', () => {
    expect(() => catalogFromFile({ version: 9 })).to.throw(/unsupported catalog file version 9/);
  });
});
