import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { quickStartArgs } from '../../../src/cli/commands/quick-start.js';

describe('cli/commands/quick-start', () => {
  const home = join(homedir(), '.influxdb');
  const node = `${hostname()}-node`;

  it('with nothing set: a file store under ~/.influxdb and <hostname>-node, with upstream\'s notice', () => {
    expect(quickStartArgs({})).to.deep.equal({
      args: ['serve', '--data-dir', home, '--node-id', node],
      notice: `Using auto-generated node id: ${node}. For production deployments, explicitly set --node-id`,
    });
  });

  it('what the environment sets wins: data dir, memory store, node id (no notice)', () => {
    expect(quickStartArgs({ INFLUXDB3_DB_DIR: '/srv/x' }).args).to.deep.equal(['serve', '--node-id', node]);
    expect(quickStartArgs({ INFLUXDB3_OBJECT_STORE: 'memory' }).args).to.deep.equal(['serve', '--node-id', node]);
    expect(quickStartArgs({ INFLUXDB3_NODE_IDENTIFIER_PREFIX: 'n1' })).to.deep.equal({ args: ['serve', '--data-dir', home] });
  });

  it('and so does INFLUXDB3_CONFIG_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quick-start-'));
    try {
      const file = join(dir, 'c.toml');
      writeFileSync(file, 'data-dir = "/srv/data"\nnode-id = "n2"\n');
      expect(quickStartArgs({ INFLUXDB3_CONFIG_FILE: file })).to.deep.equal({ args: ['serve'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
