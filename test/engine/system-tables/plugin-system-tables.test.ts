import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPluginFiles, PluginRegistry } from '../../../src/engine/plugins/plugin-registry.js';
import { emptyPluginSystemTables, PLUGIN_SYSTEM_TABLES, pluginSystemTables } from '../../../src/engine/system-tables/plugin-system-tables.js';
import type { Trigger } from '../../../src/storage/catalog/catalog-resources.js';
import { triggerRecord } from '../trigger-fixtures.js';
import { createLogger } from '../../../src/shared/logger.js';
import type { DuckDbStore } from '../../../src/storage/duckdb/duckdb-store.js';
import { SystemTableRegistry } from '../../../src/storage/query/system-table-registry.js';
import type { SystemTableProvider, VirtualTable } from '../../../src/storage/query/system-tables.js';
import { openStore } from '../../storage/duckdb/store-fixtures.js';

const logger = createLogger('silent');


const names = (t: VirtualTable | undefined) => t!.columns.map((c) => `${c.name}:${c.type}`);

describe('engine/system-tables/plugin-system-tables', () => {
  let root: string;
  let dir: string;
  let registry: PluginRegistry;
  let triggers: Trigger[];
  let provider: SystemTableProvider;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'plugin-tables-'));
    dir = join(root, 'plugins');
    await mkdir(join(dir, 'mypkg', 'models'), { recursive: true });
    await writeFile(join(dir, 'wal.py'), 'A = 1\n');
    await writeFile(join(dir, 'unused.py'), 'B = 2\n');
    await writeFile(join(dir, 'mypkg', '__init__.py'), 'X = 1\n');
    await writeFile(join(dir, 'mypkg', 'utils.py'), 'Y = 22\n');
    await writeFile(join(dir, 'mypkg', 'models', 'processor.py'), 'Z = 333\n');
    registry = new PluginRegistry({ pluginDir: dir, logger });
    await registry.start();
    registry.registerRemote('gh:examples/wal_plugin.py', {
      version: hashPluginFiles([{ relPath: 'wal_plugin.py', bytes: Buffer.from('R = 1\n') }]),
      files: [{ relPath: 'wal_plugin.py', sizeBytes: 6 }],
    });
    registry.noteLoadError('missing.py', 'reading plugin file: Plugin not found: /x/missing.py');
    triggers = [
      triggerRecord({ id: 1, name: 'pkg_trigger', pluginFilename: 'mypkg', databaseName: 'foo' }),
      triggerRecord({ id: 2, name: 'wal_trigger', pluginFilename: 'wal.py', databaseName: 'foo' }),
      triggerRecord({ id: 3, name: 'another', pluginFilename: './wal.py', databaseName: 'bar', disabled: true }),
      triggerRecord({ id: 4, name: 'remote', pluginFilename: 'gh:examples/wal_plugin.py', databaseName: 'foo' }),
      triggerRecord({ id: 5, name: 'broken', pluginFilename: 'missing.py', databaseName: 'foo' }),
    ];
    provider = pluginSystemTables({ registry, triggers: () => triggers });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('serves plugin_files and plugins in _internal only', () => {
    const tables = new SystemTableRegistry();
    tables.add(provider, PLUGIN_SYSTEM_TABLES);
    expect(tables.names('foo')).to.deep.equal([]);
    for (const t of PLUGIN_SYSTEM_TABLES) {
      expect(tables.names('_internal')).to.include(t);
      expect(provider('_internal', t)).not.to.equal(undefined);
      expect(provider('foo', t)).to.equal(undefined);
    }
    expect(provider('_internal', 'processing_engine_triggers')).to.equal(undefined);
  });

  it('plugin_files: the upstream columns, one row per (trigger, file) of local plugins', () => {
    const t = provider('_internal', 'plugin_files')!;
    expect(names(t)).to.deep.equal(['plugin_name:Utf8', 'file_name:Utf8', 'file_path:Utf8', 'size_bytes:Int64', 'last_modified:Int64']);
    expect(t.rows.map((r) => r.slice(0, 4))).to.deep.equal([
      ['another', 'wal.py', join(dir, 'wal.py'), 6],
      ['pkg_trigger', '__init__.py', join(dir, 'mypkg', '__init__.py'), 6],
      ['pkg_trigger', 'models/processor.py', join(dir, 'mypkg', 'models', 'processor.py'), 8],
      ['pkg_trigger', 'utils.py', join(dir, 'mypkg', 'utils.py'), 7],
      ['wal_trigger', 'wal.py', join(dir, 'wal.py'), 6],
    ]);
    for (const r of t.rows) expect(Number.isInteger(r[4]) && (r[4] as number) > 1_600_000_000_000, String(r[4])).to.equal(true);
    const wal = registry.get('wal.py')!.files[0]!;
    expect(t.rows[0]![4]).to.equal(Math.trunc(wal.mtimeMs!));
  });

  it('plugins: one row per plugin with kind, source, version, counts, users and last error', () => {
    const t = provider('_internal', 'plugins')!;
    expect(names(t)).to.deep.equal([
      'plugin_name:Utf8', 'kind:Utf8', 'source:Utf8', 'version:Utf8', 'file_count:Int64', 'size_bytes:Int64', 'used_by:Utf8', 'last_error:Utf8',
    ]);
    const v = (n: string) => registry.get(n)!.version;
    expect(t.rows).to.deep.equal([
      ['gh:examples/wal_plugin.py', 'file', 'repository', v('gh:examples/wal_plugin.py'), 1, 6, 'foo/remote', null],
      ['missing.py', null, 'local', null, 0, 0, 'foo/broken', 'reading plugin file: Plugin not found: /x/missing.py'],
      ['mypkg', 'package', 'local', v('mypkg'), 3, 21, 'foo/pkg_trigger', null],
      ['unused.py', 'file', 'local', v('unused.py'), 1, 6, null, null],
      ['wal.py', 'file', 'local', v('wal.py'), 1, 6, 'bar/another,foo/wal_trigger', null],
    ]);
    for (const row of t.rows) if (row[3] !== null) expect(row[3]).to.match(/^[0-9a-f]{12}$/);
  });

  it('rows are computed when read, from the registry as it is then', async () => {
    const t = provider('_internal', 'plugins')!;
    await writeFile(join(dir, 'later.py'), 'L = 1\n');
    await registry.changed({ event: 'add', relPath: 'later.py', plugin: 'later.py' });
    expect(t.rows.map((r) => r[0])).to.include('later.py');
  });

  it('a trigger on a nested file starts it being tracked; it appears on a later read', async () => {
    triggers.push(triggerRecord({ id: 6, name: 'nested', pluginFilename: 'mypkg/utils.py', databaseName: 'foo' }));
    try {
      expect(provider('_internal', 'plugin_files')!.rows.filter((r) => r[0] === 'nested')).to.deep.equal([]);
      await registry.versionOf('mypkg/utils.py');
      expect(provider('_internal', 'plugin_files')!.rows.filter((r) => r[0] === 'nested').map((r) => r.slice(1, 4))).to.deep.equal([
        ['utils.py', join(dir, 'mypkg', 'utils.py'), 7],
      ]);
    } finally {
      triggers.pop();
    }
  });

  it('with the engine off (no registry) the tables exist and list only what triggers name', () => {
    const off = emptyPluginSystemTables();
    expect(off('_internal', 'plugin_files')!.rows).to.deep.equal([]);
    expect(off('_internal', 'plugins')!.rows).to.deep.equal([]);
  });

  describe('through the query engine (a database named _internal)', () => {
    let store: DuckDbStore;
    before(async () => {
      store = await openStore(':memory:', { systemTables: provider, systemTableNames: (db) => PLUGIN_SYSTEM_TABLES.filter((t) => provider(db, t)) });
      await store.createDatabase(1, '_internal');
      await store.createDatabase(2, 'foo');
    });
    after(() => store.close());

    it('SELECT * FROM system.plugin_files and system.plugins work in _internal', async () => {
      const files = await store.query(1, "SELECT plugin_name, file_name, size_bytes FROM system.plugin_files WHERE plugin_name = 'pkg_trigger' ORDER BY file_name");
      expect(files.columns.map((c) => c.type)).to.deep.equal(['Utf8', 'Utf8', 'Int64']);
      expect(files.rows).to.deep.equal([
        ['pkg_trigger', '__init__.py', 6n],
        ['pkg_trigger', 'models/processor.py', 8n],
        ['pkg_trigger', 'utils.py', 7n],
      ]);
      const plugins = await store.query(1, 'SELECT * FROM system.plugins ORDER BY plugin_name');
      expect(plugins.rows.map((r) => r[0])).to.include.members(['mypkg', 'wal.py']);
      const listed = await store.query(1, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'system' ORDER BY table_name");
      expect(listed.rows.map((r) => r[0])).to.include.members(['plugin_files', 'plugins']);
    });

    it('other databases have no plugin tables', async () => {
      let err: unknown;
      await store.query(2, 'SELECT * FROM system.plugins').catch((e: unknown) => (err = e));
      expect(String(err)).to.match(/not found/i);
    });
  });
});
