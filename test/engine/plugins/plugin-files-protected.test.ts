import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePluginPath } from '../../../src/engine/plugins/plugin-path.js';
import { PluginFiles } from '../../../src/engine/plugins/plugin-files.js';
import { createLogger } from '../../../src/shared/logger.js';

const failure = (p: Promise<unknown>): Promise<Error & { status?: number }> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as Error & { status?: number },
  );

// Uploads never reach the server's own directories, even where they lie inside the plugin dir (the default venv
// is <plugin-dir>/.venv) or are reached through a symlink.
describe('engine/plugins: protected directories', () => {
  let root: string;
  let dir: string;
  let venv: string;
  let files: PluginFiles;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'plugin-protected-'));
    dir = join(root, 'plugins');
    venv = join(dir, '.venv');
    await mkdir(join(venv, 'lib'), { recursive: true });
    await mkdir(join(dir, 'pkg'), { recursive: true });
    files = new PluginFiles({
      pluginDir: dir,
      logger: createLogger('silent'),
      pluginDirOnly: false,
      protectedDirs: [{ path: venv, what: 'the plugin virtual environment' }, { path: join(dir, 'data'), what: "the server's data directory" }],
    });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('refuses a file in the venv with a 400 naming the path and the directory', async () => {
    const err = await failure(files.writeFile('.venv/lib/sitecustomize.py', 'import os'));
    expect(err.status).to.equal(400);
    expect(err.message).to.equal(
      `plugin path '.venv/lib/sitecustomize.py' resolves to '${join(venv, 'lib', 'sitecustomize.py')}', inside the plugin virtual environment '${venv}': plugins cannot be read from or written there`,
    );
    expect(await readdir(join(venv, 'lib'))).to.deep.equal([]);
  });

  it('refuses a path into a protected directory that does not exist yet, and one through a symlink', async () => {
    expect((await failure(files.writeFile('data/wal/x.py', ''))).message).to.match(/inside the server's data directory/);
    await symlink(venv, join(dir, 'innocent'));
    const err = await failure(files.writeFile('innocent/lib/evil.py', ''));
    expect(err.status).to.equal(400);
    expect(err.message).to.match(/^plugin path 'innocent\/lib\/evil.py' resolves to '.*\.venv\/lib\/evil.py', inside the plugin virtual environment/);
  });

  it('refuses replacing a package directory that is, or holds, a protected directory', async () => {
    const err = await failure(files.replaceDirectory('.venv', [{ relativePath: '__init__.py', content: '' }]));
    expect(err.status).to.equal(400);
    expect(err.message).to.match(/inside the plugin virtual environment/);
    expect(await readdir(venv)).to.deep.equal(['lib']);
  });

  it('still writes ordinary plugins, including a file named like the venv elsewhere', async () => {
    await files.writeFile('pkg/.venv.py', 'x = 1');
    await files.writeFile('plugin.py', 'x = 1');
    expect((await readdir(dir)).sort()).to.deep.equal(['.venv', 'pkg', 'plugin.py']);
  });

  it('resolvePluginPath refuses a plugin inside a protected directory', async () => {
    await files.writeFile('ok.py', '');
    const dirs = [{ path: venv, what: 'the plugin virtual environment' }];
    expect((await resolvePluginPath(dir, 'ok.py', dirs)).kind).to.equal('file');
    await writeFile(join(venv, 'lib', 'p.py'), '');
    const err = await failure(resolvePluginPath(dir, '.venv/lib/p.py', dirs));
    expect(err.status).to.equal(400);
  });
});
