import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig } from '../../src/config/load.js';

// The plugin upload API writes under the plugin dir, so it must never hold the data dir (or the reverse).
describe('config/load: plugin dir and data dir stay apart', () => {
  let root: string;
  let cwd: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'dir-overlap-'));
    cwd = process.cwd();
  });
  after(() => {
    process.chdir(cwd);
    rmSync(root, { recursive: true, force: true });
  });

  const load = (flags: Record<string, string>, env: Record<string, string> = {}, configFile?: string) =>
    loadServeConfig({ flags: { objectStore: 'file', ...flags }, env, configFile });

  it('accepts sibling directories, existing or not', () => {
    const c = load({ pluginDir: join(root, 'plugins'), dataDir: join(root, 'data') });
    expect(c.pluginDir).to.equal(join(root, 'plugins'));
    expect(() => load({ pluginDir: join(root, 'data-plugins'), dataDir: join(root, 'data') })).not.to.throw();
  });

  it('refuses a plugin dir that contains the data dir, naming both keys', () => {
    expect(() => load({ pluginDir: root, dataDir: join(root, 'data') })).to.throw(
      new RegExp(`plugin directory '${root}', from --plugin-dir, contains the data directory '${join(root, 'data')}', from --data-dir.*--plugin-dir.*plugin-dir in the TOML.*--data-dir`),
    );
  });

  it('refuses the reverse and the same directory (also through .. and symlinks)', () => {
    expect(() => load({ pluginDir: join(root, 'data', 'plugins'), dataDir: join(root, 'data') })).to.throw(/is inside the data directory/);
    expect(() => load({ pluginDir: join(root, 'x', '..', 'data/'), dataDir: join(root, 'data') })).to.throw(/is the same directory as/);
    mkdirSync(join(root, 'real'));
    symlinkSync(join(root, 'real'), join(root, 'link'));
    expect(() => load({ pluginDir: join(root, 'link'), dataDir: join(root, 'real', 'data') })).to.throw(/contains the data directory/);
  });

  it('refuses plugin-dir = "" in the TOML file when the working directory holds data-dir (the packaged install)', () => {
    const home = join(root, 'var-lib');
    mkdirSync(join(home, 'data'), { recursive: true });
    const file = join(root, 'conf.toml');
    writeFileSync(file, `plugin-dir = ""\ndata-dir = "${join(home, 'data')}"\n`);
    process.chdir(home);
    try {
      expect(() => load({}, {}, file)).to.throw(/plugin-dir is empty: the working directory.*from config key 'plugin-dir'.*contains the data directory.*from config key 'data-dir'/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('names the environment variable when that is where the value came from', () => {
    expect(() => load({ dataDir: join(root, 'data') }, { INFLUXDB3_PLUGIN_DIR: root })).to.throw(/from environment variable INFLUXDB3_PLUGIN_DIR/);
  });
});
