import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginLocator } from '../../../src/engine/plugins/plugin-locator.js';
import { isRemotePluginName, parsePluginRef } from '../../../src/engine/plugins/plugin-ref.js';
import type { RemotePlugins } from '../../../src/engine/plugins/remote-plugins.js';

describe('engine/plugins/plugin-ref', () => {
  it('tells repository plugins from local ones by the gh: prefix', () => {
    expect(parsePluginRef('gh:examples/x.py@v1')).to.deep.equal({ source: 'repository', name: 'gh:examples/x.py@v1' });
    expect(parsePluginRef('pkg/tool.py')).to.deep.equal({ source: 'local', name: 'pkg/tool.py' });
    expect(isRemotePluginName(' gh:x.py')).to.equal(true);
    expect(isRemotePluginName('github.py')).to.equal(false);
  });
});

describe('engine/plugins/plugin-locator', () => {
  let dir: string;
  const fetched: string[] = [];
  const remote = {
    resolve: async (name: string) => {
      fetched.push(name);
      return { name, path: '/cache/x.py', kind: 'file', version: 'abc', stale: false };
    },
  } as unknown as RemotePlugins;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plugin-locator-'));
    await writeFile(join(dir, 'one.py'), 'x = 1\n');
    await mkdir(join(dir, 'pkg'));
    await writeFile(join(dir, 'pkg', '__init__.py'), '');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('finds local files and packages under the plugin dir, without fetching', async () => {
    const locator = new PluginLocator({ pluginDir: dir, remote });
    expect(await locator.locate(parsePluginRef('one.py'))).to.deep.equal({ path: join(dir, 'one.py'), kind: 'file', fetched: null });
    expect(await locator.locate(parsePluginRef('pkg'))).to.deep.equal({ path: join(dir, 'pkg'), kind: 'package', fetched: null });
    const missing = await locator.locate(parsePluginRef('nope.py')).catch((e: Error) => e);
    expect((missing as Error).message).to.equal(`reading plugin file: Plugin not found: ${join(dir, 'nope.py')}`);
    expect(fetched).to.deep.equal([]);
  });

  it('fetches repository plugins', async () => {
    const found = await new PluginLocator({ pluginDir: dir, remote }).locate(parsePluginRef('gh:examples/x.py'));
    expect(found).to.include({ path: '/cache/x.py', kind: 'file' });
    expect(found.fetched).to.include({ version: 'abc' });
    expect(fetched).to.deep.equal(['gh:examples/x.py']);
  });
});
