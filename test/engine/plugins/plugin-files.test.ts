import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginFiles } from '../../../src/engine/plugins/plugin-files.js';
import { createLogger } from '../../../src/shared/logger.js';

// The error a call must fail with (a resolved call fails the test).
const failure = (p: Promise<unknown>): Promise<Error & { status: number }> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as Error & { status: number },
  );

const TRAVERSAL = /^Path traversal detected: plugin filename '.*' attempts to access files outside the plugin directory$/;

// Every entry under `dir`, recursively, as sorted `/`-separated relative paths (directories end in `/`).
async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(`${prefix}${e.name}/`, ...(await tree(join(dir, e.name), `${prefix}${e.name}/`)));
    else out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

describe('engine/plugins/plugin-files', () => {
  let root: string;
  let dir: string;
  let files: PluginFiles;
  const logger = createLogger('silent');
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'plugin-files-'));
    dir = join(root, 'plugins');
    await mkdir(dir);
    await mkdir(join(root, 'outside'));
    files = new PluginFiles({ pluginDir: dir, logger, pluginDirOnly: false });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  describe('writeFile (POST /api/v3/plugins/files)', () => {
    it('creates a file and its parent directories, and overwrites an existing one, leaving no temp file', async () => {
      expect(await files.writeFile('plugin.py', 'v1')).to.equal(join(dir, 'plugin.py'));
      await files.writeFile('plugin.py', 'v2');
      await files.writeFile('my_plugin/models/m.py', 'm');
      expect(await readFile(join(dir, 'plugin.py'), 'utf8')).to.equal('v2');
      expect(await readFile(join(dir, 'my_plugin', 'models', 'm.py'), 'utf8')).to.equal('m');
      expect(await tree(dir)).to.deep.equal(['my_plugin/', 'my_plugin/models/', 'my_plugin/models/m.py', 'plugin.py']);
    });

    it('accepts plugin.py and my_plugin/utils.py; rejects .., absolute, drive and NUL names as path traversal', async () => {
      await files.writeFile('plugin.py', '');
      await files.writeFile('my_plugin/utils.py', '');
      for (const name of ['../evil.py', '/etc/passwd', 'subdir/../../evil.py', 'C:\\evil.py', 'a\\..\\..\\evil.py', 'evil\0.py']) {
        const err = await failure(files.writeFile(name, 'x'));
        expect(err, name).to.be.instanceOf(Error);
        expect((err as Error).message, name).to.match(TRAVERSAL);
        expect((err as { status?: number }).status).to.equal(500);
      }
      expect(await tree(root)).to.deep.equal(['outside/', 'plugins/', 'plugins/my_plugin/', 'plugins/my_plugin/utils.py', 'plugins/plugin.py']);
    });

    it('rejects a symlink escape: through a linked directory, a linked file, or a dangling link', async () => {
      await symlink(join(root, 'outside'), join(dir, 'linkdir'));
      await writeFile(join(root, 'outside', 'target.py'), 'original');
      await symlink(join(root, 'outside', 'target.py'), join(dir, 'linked.py'));
      await symlink(join(root, 'outside', 'nowhere'), join(dir, 'dangling'));
      for (const name of ['linkdir/evil.py', 'linkdir/new/evil.py', 'linked.py', 'dangling/evil.py', 'dangling']) {
        const err = await failure(files.writeFile(name, 'evil'));
        expect((err as Error).message, name).to.equal(`Path traversal detected: plugin filename '${name}' attempts to access files outside the plugin directory`);
      }
      expect(await tree(join(root, 'outside'))).to.deep.equal(['target.py']);
      expect(await readFile(join(root, 'outside', 'target.py'), 'utf8')).to.equal('original');
    });

    it('follows a symlink that stays inside the plugin directory', async () => {
      await mkdir(join(dir, 'real'));
      await symlink(join(dir, 'real'), join(dir, 'alias'));
      await files.writeFile('alias/x.py', 'inside');
      expect(await readFile(join(dir, 'real', 'x.py'), 'utf8')).to.equal('inside');
    });

    it('refuses to overwrite a directory, and the plugin directory itself', async () => {
      await mkdir(join(dir, 'pkg'));
      expect((await failure(files.writeFile('pkg', 'x'))).message).to.equal("cannot write plugin file 'pkg': it is a directory");
      expect((await failure(files.writeFile('.', 'x'))).message).to.equal("plugin name '.' names the plugin directory itself");
    });

    it('creates the plugin directory when it does not exist yet', async () => {
      const fresh = new PluginFiles({ pluginDir: join(root, 'new-dir'), logger, pluginDirOnly: false });
      await fresh.writeFile('p.py', 'x');
      expect(await readFile(join(root, 'new-dir', 'p.py'), 'utf8')).to.equal('x');
    });

    it('--plugin-dir-only refuses every upload with 403 and upstream text', async () => {
      const locked = new PluginFiles({ pluginDir: dir, logger, pluginDirOnly: true });
      const text = 'plugin installation is disabled; plugins must already exist in the configured plugin directory';
      for (const attempt of [
        () => locked.writeFile('p.py', 'x'),
        () => locked.updatePlugin('p.py', 'x'),
        () => locked.replaceDirectory('pkg', [{ relativePath: '__init__.py', content: '' }]),
      ]) {
        const err = await failure(attempt());
        expect(err).to.include({ message: text, status: 403 });
      }
      expect(() => locked.assertUploadsAllowed()).to.throw(text);
      expect(await readdir(dir)).to.deep.equal([]);
    });

    it('serialises concurrent writes to one file: the last one wins and nothing else is left', async () => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => files.writeFile('p.py', `v${i}`)));
      expect(await readFile(join(dir, 'p.py'), 'utf8')).to.equal('v19');
      expect(await readdir(dir)).to.deep.equal(['p.py']);
    });
  });

  describe('updatePlugin (PUT /api/v3/plugins/files)', () => {
    it('overwrites a single-file plugin', async () => {
      await writeFile(join(dir, 'p.py'), 'old');
      expect(await files.updatePlugin('p.py', 'new')).to.equal(join(dir, 'p.py'));
      expect(await readFile(join(dir, 'p.py'), 'utf8')).to.equal('new');
      expect(await readdir(dir)).to.deep.equal(['p.py']);
    });

    it('replaces only __init__.py of a package and leaves the other files as they were', async () => {
      await mkdir(join(dir, 'pkg'));
      await writeFile(join(dir, 'pkg', '__init__.py'), 'old init');
      await writeFile(join(dir, 'pkg', 'utils.py'), 'utils');
      expect(await files.updatePlugin('pkg/', 'new init')).to.equal(join(dir, 'pkg', '__init__.py'));
      expect(await readFile(join(dir, 'pkg', '__init__.py'), 'utf8')).to.equal('new init');
      expect(await readFile(join(dir, 'pkg', 'utils.py'), 'utf8')).to.equal('utils');
      expect(await tree(dir)).to.deep.equal(['pkg/', 'pkg/__init__.py', 'pkg/utils.py']);
    });

    it('refuses a remote (gh:) plugin and a traversing plugin_filename', async () => {
      expect((await failure(files.updatePlugin('gh:examples/x.py', 'x'))).status).to.equal(400);
      expect((await failure(files.updatePlugin('../x.py', 'x'))).message).to.match(TRAVERSAL);
    });

    it('rejects a package whose __init__.py links outside the plugin directory', async () => {
      await mkdir(join(dir, 'pkg'));
      await writeFile(join(root, 'outside', 'init.py'), 'outside');
      await symlink(join(root, 'outside', 'init.py'), join(dir, 'pkg', '__init__.py'));
      expect((await failure(files.updatePlugin('pkg', 'x'))).message).to.equal(
        "Path traversal detected: plugin filename 'pkg/__init__.py' attempts to access files outside the plugin directory",
      );
      expect(await readFile(join(root, 'outside', 'init.py'), 'utf8')).to.equal('outside');
    });
  });

  describe('replaceDirectory (PUT /api/v3/plugins/directory)', () => {
    const pkg = (...entries: Array<[string, string]>) => entries.map(([relativePath, content]) => ({ relativePath, content }));

    it('replaces the package atomically: new files in, stale files gone, no .tmp or .old left behind', async () => {
      await mkdir(join(dir, 'pkg', 'old_sub'), { recursive: true });
      await writeFile(join(dir, 'pkg', '__init__.py'), 'old');
      await writeFile(join(dir, 'pkg', 'stale.py'), 'stale');
      await writeFile(join(dir, 'pkg', 'old_sub', 'x.py'), 'x');
      await writeFile(join(dir, 'other.py'), 'untouched');
      const target = await files.replaceDirectory('pkg', pkg(['__init__.py', 'new'], ['utils.py', 'u'], ['models/__init__.py', ''], ['models/m.py', 'm']));
      expect(target).to.equal(join(dir, 'pkg'));
      expect(await tree(dir)).to.deep.equal([
        'other.py', 'pkg/', 'pkg/__init__.py', 'pkg/models/', 'pkg/models/__init__.py', 'pkg/models/m.py', 'pkg/utils.py',
      ]);
      expect(await readFile(join(dir, 'pkg', '__init__.py'), 'utf8')).to.equal('new');
      expect(await readFile(join(dir, 'other.py'), 'utf8')).to.equal('untouched');
    });

    it('creates the package when it does not exist yet (also nested under a folder)', async () => {
      await files.replaceDirectory('org/pkg', pkg(['__init__.py', 'i']));
      expect(await tree(dir)).to.deep.equal(['org/', 'org/pkg/', 'org/pkg/__init__.py']);
    });

    it('repairs an interrupted earlier replace: .old put back when the live directory is gone, leftovers removed', async () => {
      await mkdir(join(dir, '.pkg.old'));
      await writeFile(join(dir, '.pkg.old', '__init__.py'), 'previous');
      await mkdir(join(dir, '.pkg.tmp'));
      await writeFile(join(dir, '.pkg.tmp', 'half.py'), '');
      await files.replaceDirectory('pkg', pkg(['__init__.py', 'next']));
      expect(await tree(dir)).to.deep.equal(['pkg/', 'pkg/__init__.py']);
      expect(await readFile(join(dir, 'pkg', '__init__.py'), 'utf8')).to.equal('next');
    });

    it('validates before touching anything: __init__.py required, relative paths inside, no duplicates, files given', async () => {
      await mkdir(join(dir, 'pkg'));
      await writeFile(join(dir, 'pkg', '__init__.py'), 'kept');
      const fail = (name: string, entries: ReturnType<typeof pkg>) => failure(files.replaceDirectory(name, entries));
      expect(await fail('pkg', pkg(['utils.py', '']))).to.include({
        message: 'Multi-file plugin directory must contain __init__.py: pkg',
        status: 400,
      });
      for (const rel of ['../evil.py', '/etc/passwd', 'sub/../../evil.py', 'x\0.py']) {
        expect((await fail('pkg', pkg(['__init__.py', ''], [rel, 'evil']))).message, rel).to.match(TRAVERSAL);
      }
      expect((await fail('pkg', pkg(['__init__.py', ''], ['./__init__.py', '']))).message).to.equal("relative_path './__init__.py' is given more than once");
      expect((await fail('pkg', pkg(['__init__.py', ''], ['.', '']))).message).to.equal("relative_path '.' does not name a file");
      expect((await fail('pkg', [])).message).to.equal("no files given for plugin directory 'pkg'");
      expect((await fail('../pkg', pkg(['__init__.py', '']))).message).to.match(TRAVERSAL);
      expect((await fail('gh:org/pkg', pkg(['__init__.py', '']))).status).to.equal(400);
      expect(await tree(root)).to.deep.equal(['outside/', 'plugins/', 'plugins/pkg/', 'plugins/pkg/__init__.py']);
    });

    it('rejects a package name that is a symlink escape, and refuses to turn a single-file plugin into a package', async () => {
      await symlink(join(root, 'outside'), join(dir, 'escape'));
      expect((await failure(files.replaceDirectory('escape', pkg(['__init__.py', ''])))).message).to.match(TRAVERSAL);
      await writeFile(join(dir, 'single.py'), 'code');
      const err = await failure(files.replaceDirectory('single.py', pkg(['__init__.py', ''])));
      expect(err.status).to.equal(400);
      expect(err.message).to.contain("plugin 'single.py' is a single file");
      expect(await tree(join(root, 'outside'))).to.deep.equal([]);
      expect(await readFile(join(dir, 'single.py'), 'utf8')).to.equal('code');
      expect((await readdir(dir)).sort()).to.deep.equal(['escape', 'single.py']);
    });

    it('a failed write removes the temp tree and keeps the live package', async () => {
      await mkdir(join(dir, 'pkg'));
      await writeFile(join(dir, 'pkg', '__init__.py'), 'live');
      // `a` as a file and as a directory cannot both exist: the second write fails inside the temp tree.
      const err = await failure(files.replaceDirectory('pkg', pkg(['__init__.py', 'new'], ['a', 'file'], ['a/b.py', ''])));
      expect(err.status).to.equal(500);
      expect(err.message).to.match(/^cannot write plugin 'pkg': /);
      expect(await tree(dir)).to.deep.equal(['pkg/', 'pkg/__init__.py']);
      expect(await readFile(join(dir, 'pkg', '__init__.py'), 'utf8')).to.equal('live');
    });
  });

  describe('readFile (GET /api/v3/plugins/files)', () => {
    it('reads a file, or a package\'s __init__.py, even with uploads refused', async () => {
      await writeFile(join(dir, 'one.py'), 'print(1)\n');
      await mkdir(join(dir, 'pkg'));
      await writeFile(join(dir, 'pkg', '__init__.py'), 'X = 1\n');
      const readOnly = new PluginFiles({ pluginDir: dir, logger, pluginDirOnly: true });
      expect((await readOnly.readFile('one.py')).content).to.equal('print(1)\n');
      expect(await files.readFile('pkg')).to.deep.equal({ path: join(dir, 'pkg', '__init__.py'), content: 'X = 1\n' });
    });

    it('refuses paths outside the plugin dir and answers 404 for a missing file', async () => {
      await writeFile(join(root, 'outside', 'secret.py'), 'secret');
      await symlink(join(root, 'outside', 'secret.py'), join(dir, 'link.py'));
      for (const name of ['../outside/secret.py', 'link.py']) expect((await failure(files.readFile(name))).message, name).to.match(TRAVERSAL);
      const missing = await failure(files.readFile('nope.py'));
      expect([missing.status, missing.message]).to.deep.equal([404, 'plugin file not found: nope.py']);
    });
  });
});
