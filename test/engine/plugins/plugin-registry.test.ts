import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPluginFiles, PluginRegistry, VERSION_LENGTH } from '../../../src/engine/plugins/plugin-registry.js';
import { normalisePluginName } from '../../../src/engine/plugins/plugin-ref.js';
import { PluginWatcher, type PluginChange } from '../../../src/engine/plugins/plugin-watcher.js';
import { createLogger } from '../../../src/shared/logger.js';
import { pollUntil } from '../../helpers/poll.js';

const logger = createLogger('silent');


describe('engine/plugins/plugin-registry', () => {
  let root: string;
  let dir: string;
  let registry: PluginRegistry;

  const change = (event: PluginChange['event'], relPath: string): Promise<void> =>
    registry.changed({ event, relPath, plugin: relPath.split('/')[0]! });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'plugin-registry-'));
    dir = join(root, 'plugins');
    await mkdir(join(dir, 'mypkg', 'models', '__pycache__'), { recursive: true });
    await writeFile(join(dir, 'wal.py'), 'def process_writes(a, b, c):\n    pass\n');
    await writeFile(join(dir, 'notes.txt'), 'not a plugin');
    await writeFile(join(dir, 'mypkg', '__init__.py'), 'from .models.processor import run\n');
    await writeFile(join(dir, 'mypkg', 'models', 'processor.py'), 'def run():\n    return 1\n');
    await writeFile(join(dir, 'mypkg', 'models', '__pycache__', 'processor.cpython-311.pyc'), 'junk');
    await writeFile(join(dir, 'mypkg', 'data.json'), '{}');
    await mkdir(join(dir, 'not_a_package'));
    await writeFile(join(dir, 'not_a_package', 'x.py'), '');
    for (const ignored of ['.venv', 'venv', '__pycache__', '.plugin-cache', '.hidden']) {
      await mkdir(join(dir, ignored, 'lib'), { recursive: true });
      await writeFile(join(dir, ignored, '__init__.py'), '');
      await writeFile(join(dir, ignored, 'lib', 'site.py'), '');
    }
    await writeFile(join(dir, '.dotfile.py'), '');
    await writeFile(join(root, 'outside.py'), 'secret');
    await symlink(join(root, 'outside.py'), join(dir, 'escape.py'));
    registry = new PluginRegistry({ pluginDir: dir, logger });
    await registry.start();
  });
  afterEach(async () => {
    await registry.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('indexes top-level *.py files and packages with their files, ignoring venvs, caches, dot-dirs and escapes', () => {
    expect(registry.list().map((e) => [e.name, e.kind, e.source])).to.deep.equal([
      ['mypkg', 'package', 'local'],
      ['wal.py', 'file', 'local'],
    ]);
    const pkg = registry.get('mypkg')!;
    expect(pkg.path).to.equal(join(dir, 'mypkg'));
    expect(pkg.files.map((f) => [f.relPath, f.path])).to.deep.equal([
      ['__init__.py', join(dir, 'mypkg', '__init__.py')],
      ['models/processor.py', join(dir, 'mypkg', 'models', 'processor.py')],
    ]);
    expect(pkg.files.map((f) => f.sizeBytes)).to.deep.equal([34, 24]);
    expect(pkg.sizeBytes).to.equal(58);
    expect(pkg.files[0]!.mtimeMs).to.be.a('number').greaterThan(0);
    const wal = registry.get('wal.py')!;
    expect(wal.files).to.have.length(1);
    expect(wal.files[0]!.relPath).to.equal('wal.py');
    expect(wal.lastError).to.equal(null);
  });

  it('versions a plugin by the sha256 of its sorted (relative path, bytes), shown as 12 hex digits', async () => {
    const content = 'def process_writes(a, b, c):\n    pass\n';
    const expected = createHash('sha256').update(`wal.py\0${Buffer.byteLength(content)}\0`).update(content).digest('hex');
    const wal = registry.get('wal.py')!;
    expect(wal.hash).to.equal(expected);
    expect(wal.version).to.equal(expected.slice(0, VERSION_LENGTH)).and.match(/^[0-9a-f]{12}$/);
    // order of the input does not matter; a rename does
    const a = { relPath: 'a.py', bytes: Buffer.from('x') };
    const b = { relPath: 'b.py', bytes: Buffer.from('y') };
    expect(hashPluginFiles([a, b])).to.equal(hashPluginFiles([b, a]));
    expect(hashPluginFiles([a])).not.to.equal(hashPluginFiles([{ ...a, relPath: 'c.py' }]));
    // moving bytes between path and content does not collide
    expect(hashPluginFiles([{ relPath: 'ab', bytes: Buffer.from('') }])).not.to.equal(hashPluginFiles([{ relPath: 'a', bytes: Buffer.from('b') }]));
  });

  it('a changed single file gets a new version; unlink removes it; add brings it back', async () => {
    const before = registry.get('wal.py')!.version;
    await writeFile(join(dir, 'wal.py'), 'def process_writes(a, b, c):\n    return 2\n');
    expect(registry.get('wal.py')!.version, 'no rescan without an event').to.equal(before);
    await change('change', 'wal.py');
    const after = registry.get('wal.py')!;
    expect(after.version).not.to.equal(before);
    expect(after.sizeBytes).to.equal(42);
    await unlink(join(dir, 'wal.py'));
    await change('unlink', 'wal.py');
    expect(registry.get('wal.py')).to.equal(undefined);
    await writeFile(join(dir, 'new.py'), 'x = 1\n');
    await change('add', 'new.py');
    expect(registry.get('new.py')!.kind).to.equal('file');
    // same content again gives the same version
    await writeFile(join(dir, 'wal.py'), 'def process_writes(a, b, c):\n    return 2\n');
    await change('add', 'wal.py');
    expect(registry.get('wal.py')!.version).to.equal(after.version);
  });

  it('package file add, change and unlink update only that package', async () => {
    const wal = registry.get('wal.py')!;
    const v1 = registry.get('mypkg')!.version;
    await writeFile(join(dir, 'mypkg', 'models', 'extra.py'), 'Y = 2\n');
    await change('add', 'mypkg/models/extra.py');
    const pkg = registry.get('mypkg')!;
    expect(pkg.files.map((f) => f.relPath)).to.deep.equal(['__init__.py', 'models/extra.py', 'models/processor.py']);
    expect(pkg.version).not.to.equal(v1);
    await writeFile(join(dir, 'mypkg', 'models', 'extra.py'), 'Y = 3\n');
    await change('change', 'mypkg/models/extra.py');
    const v3 = registry.get('mypkg')!.version;
    expect(v3).not.to.equal(pkg.version);
    await unlink(join(dir, 'mypkg', 'models', 'extra.py'));
    await change('unlink', 'mypkg/models/extra.py');
    expect(registry.get('mypkg')!.version).to.equal(v1);
    expect(registry.get('wal.py')).to.deep.equal(wal);
  });

  it('a directory becomes a package when __init__.py appears and stops being one when it goes', async () => {
    expect(registry.get('not_a_package')).to.equal(undefined);
    await writeFile(join(dir, 'not_a_package', '__init__.py'), '');
    await change('add', 'not_a_package/__init__.py');
    expect(registry.get('not_a_package')!.files.map((f) => f.relPath)).to.deep.equal(['__init__.py', 'x.py']);
    await rm(join(dir, 'not_a_package'), { recursive: true });
    await change('unlinkDir', 'not_a_package');
    expect(registry.get('not_a_package')).to.equal(undefined);
  });

  it('ignores events under ignored directories and non-.py files inside packages', async () => {
    await writeFile(join(dir, '.venv', 'new.py'), '');
    await change('add', '.venv/new.py');
    await writeFile(join(dir, 'mypkg', 'data.json'), '{"a":1}');
    await change('change', 'mypkg/data.json');
    expect(registry.list().map((e) => e.name)).to.deep.equal(['mypkg', 'wal.py']);
  });

  it('versionOf computes on demand before any event, and rehashes when size or mtime changed', async () => {
    await writeFile(join(dir, 'uploaded.py'), 'A = 1\n');
    const v = await registry.versionOf('uploaded.py');
    expect(v).to.match(/^[0-9a-f]{12}$/);
    expect(registry.get('uploaded.py')!.version).to.equal(v);
    await writeFile(join(dir, 'uploaded.py'), 'A = 22\n');
    const v2 = await registry.versionOf('./uploaded.py');
    expect(v2).not.to.equal(v);
    expect(await registry.versionOf('missing.py')).to.equal(null);
    expect(await registry.versionOf('mypkg/')).to.equal(registry.get('mypkg')!.version);
    let err: unknown;
    await registry.versionOf('../outside.py').catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/Path traversal detected/);
  });

  it('versionOf keeps the same version when only the mtime moved but reads the new content', async () => {
    const v = registry.get('wal.py')!.version;
    const later = new Date(Date.now() + 60_000);
    await utimes(join(dir, 'wal.py'), later, later);
    expect(await registry.versionOf('wal.py')).to.equal(v);
    expect(registry.get('wal.py')!.files[0]!.mtimeMs).to.be.closeTo(later.getTime(), 1);
  });

  it('tracks nested names a trigger uses and keeps them current from events', async () => {
    expect(registry.get('mypkg/models/processor.py')).to.equal(undefined);
    const v = await registry.versionOf('mypkg/models/processor.py');
    expect(registry.get('mypkg/models/processor.py')!.files.map((f) => f.relPath)).to.deep.equal(['processor.py']);
    await writeFile(join(dir, 'mypkg', 'models', 'processor.py'), 'def run():\n    return 2\n');
    await change('change', 'mypkg/models/processor.py');
    expect(registry.get('mypkg/models/processor.py')!.version).not.to.equal(v);
    await rm(join(dir, 'mypkg', 'models'), { recursive: true });
    await change('unlinkDir', 'mypkg/models');
    expect(registry.get('mypkg/models/processor.py')).to.equal(undefined);
    expect(registry.get('mypkg')!.files.map((f) => f.relPath)).to.deep.equal(['__init__.py']);
  });

  it('records and clears load errors, for indexed and unknown plugins', () => {
    registry.noteLoadError('wal.py', 'SyntaxError: invalid syntax');
    registry.noteLoadError('gone.py', 'Plugin not found');
    expect(registry.get('wal.py')!.lastError).to.equal('SyntaxError: invalid syntax');
    expect(registry.lastError('gone.py')).to.equal('Plugin not found');
    registry.noteLoadError('wal.py', null);
    expect(registry.get('wal.py')!.lastError).to.equal(null);
  });

  it('registers remote plugins with source repository', async () => {
    const hash = hashPluginFiles([{ relPath: 'wal_plugin.py', bytes: Buffer.from('x') }]);
    registry.registerRemote('gh:examples/wal_plugin/wal_plugin.py', { version: hash, files: [{ relPath: 'wal_plugin.py', sizeBytes: 1 }] });
    const e = registry.get('gh:examples/wal_plugin/wal_plugin.py')!;
    expect(e).to.include({ kind: 'file', source: 'repository', version: hash.slice(0, 12), hash, sizeBytes: 1 });
    expect(await registry.versionOf('gh:examples/wal_plugin/wal_plugin.py')).to.equal(hash.slice(0, 12));
    expect(await registry.versionOf('gh:unknown.py')).to.equal(null);
    expect(registry.list().map((x) => x.name)).to.include('gh:examples/wal_plugin/wal_plugin.py');
    registry.unregisterRemote('gh:examples/wal_plugin/wal_plugin.py');
    expect(registry.get('gh:examples/wal_plugin/wal_plugin.py')).to.equal(undefined);
  });

  it('coalesces a burst of events for one plugin and ends with the final content', async () => {
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      await writeFile(join(dir, 'wal.py'), `X = ${i}\n`);
      writes.push(change('change', 'wal.py'));
    }
    await Promise.all(writes);
    expect(registry.get('wal.py')!.hash).to.equal(hashPluginFiles([{ relPath: 'wal.py', bytes: Buffer.from('X = 9\n') }]));
  });

  it('normalises plugin names the way triggers write them', () => {
    expect(normalisePluginName(' ./mypkg/ ')).to.equal('mypkg');
    expect(normalisePluginName('a\\b.py')).to.equal('a/b.py');
    expect(normalisePluginName('gh:examples/x.py')).to.equal('gh:examples/x.py');
  });

  it('an empty or missing plugin directory gives an empty index', async () => {
    const r = new PluginRegistry({ pluginDir: join(root, 'nope'), logger });
    await r.start();
    expect(r.list()).to.deep.equal([]);
    expect(await r.versionOf('x.py')).to.equal(null);
  });

  it('stays current from the real chokidar watcher', async () => {
    const watcher = new PluginWatcher({ pluginDir: dir, logger, onChange: (c) => void registry.changed(c) });
    await watcher.start();
    try {
      const before = registry.get('mypkg')!.version;
      await writeFile(join(dir, 'mypkg', 'models', 'processor.py'), 'def run():\n    return 42\n');
      await pollUntil(() => registry.get('mypkg')!.version !== before, 'a new mypkg version', { intervalMs: 25 });
      await writeFile(join(dir, 'fresh.py'), 'Z = 1\n');
      await pollUntil(() => registry.get('fresh.py') !== undefined, 'fresh.py indexed', { intervalMs: 25 });
      await unlink(join(dir, 'fresh.py'));
      await pollUntil(() => registry.get('fresh.py') === undefined, 'fresh.py removed', { intervalMs: 25 });
    } finally {
      await watcher.stop();
    }
  });
});
