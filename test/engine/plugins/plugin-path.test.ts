import { expect } from 'chai';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pluginPathWithin, resolvePluginPath } from '../../../src/engine/plugins/plugin-path.js';

describe('engine/plugins/plugin-path', () => {
  let root: string;
  let dir: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'plugin-path-'));
    dir = join(root, 'plugins');
    await mkdir(join(dir, 'my_plugin'), { recursive: true });
    await mkdir(join(dir, 'not_a_package'));
    await writeFile(join(dir, 'plugin.py'), '');
    await writeFile(join(dir, 'my_plugin', '__init__.py'), '');
    await writeFile(join(dir, 'my_plugin', 'utils.py'), '');
    await writeFile(join(root, 'outside.py'), '');
    await symlink(join(root, 'outside.py'), join(dir, 'escape.py'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('accepts files and package directories inside the plugin dir', async () => {
    expect(await resolvePluginPath(dir, 'plugin.py')).to.deep.equal({ path: join(dir, 'plugin.py'), kind: 'file' });
    expect(await resolvePluginPath(dir, 'my_plugin/utils.py')).to.deep.equal({ path: join(dir, 'my_plugin', 'utils.py'), kind: 'file' });
    expect(await resolvePluginPath(dir, 'my_plugin')).to.deep.equal({ path: join(dir, 'my_plugin'), kind: 'package' });
  });

  it('rejects .., absolute paths, drive prefixes and symlink escapes as path traversal', async () => {
    for (const name of ['../evil.py', '/etc/passwd', 'subdir/../../evil.py', 'C:\\x.py', 'a\\..\\..\\b.py']) {
      expect(() => pluginPathWithin(dir, name), name).to.throw(/^Path traversal detected: plugin filename '.*' attempts to access files outside the plugin directory$/);
    }
    const err = await resolvePluginPath(dir, 'escape.py').catch((e) => e);
    expect(err.message).to.equal("Path traversal detected: plugin filename 'escape.py' attempts to access files outside the plugin directory");
  });

  it('a missing file, or a directory without __init__.py, is "Plugin not found" with the absolute path', async () => {
    for (const name of ['nope.py', 'not_a_package']) {
      const err = await resolvePluginPath(dir, name).catch((e) => e);
      expect(err.message).to.equal(`reading plugin file: Plugin not found: ${join(dir, name)}`);
      expect(err.status).to.equal(500);
    }
  });
});
