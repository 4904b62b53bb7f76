import { expect } from 'chai';
import { bwrapArgv, type PathFacts, type SandboxPolicy } from '../../../../src/engine/runners/sandbox/bwrap-argv.js';

// A fake host: merged /usr (/bin, /lib are symlinks), a plugin dir holding its venv, a data dir and a token file.
function facts(tree: Record<string, 'dir' | 'file' | string>): PathFacts {
  return {
    kind: (p) => {
      const v = tree[p];
      if (v === undefined) return 'missing';
      return v === 'dir' || v === 'file' ? v : 'symlink';
    },
    readlink: (p) => tree[p]!,
    realpath: (p) => {
      const v = tree[p];
      return v && v !== 'dir' && v !== 'file' ? (v.startsWith('/') ? v : `/${v}`) : p;
    },
  };
}

const HOST = facts({
  '/usr': 'dir',
  '/bin': 'usr/bin',
  '/lib': 'usr/lib',
  '/etc': 'dir',
  '/etc/shadow': 'file',
  '/etc/influxdb3': 'dir',
  '/etc/influxdb3/admin-token.json': 'file',
  '/var/lib/influxdb3/plugins': 'dir',
  '/var/lib/influxdb3/plugins/.venv': 'dir',
  '/var/lib/influxdb3/data': 'dir',
  '/opt/engine/python-runner': 'dir',
  '/opt/py/3.12': 'dir',
});

const policy = (over: Partial<SandboxPolicy> = {}): SandboxPolicy => ({
  bwrap: '/usr/bin/bwrap',
  command: ['/var/lib/influxdb3/plugins/.venv/bin/python', '-m', 'plugin_runner'],
  readOnly: ['/opt/py/3.12', '/var/lib/influxdb3/plugins/.venv', '/opt/engine/python-runner', '/var/lib/influxdb3/plugins'],
  hidden: ['/var/lib/influxdb3/data', '/etc/influxdb3/admin-token.json'],
  network: 'host',
  userNamespace: true,
  ...over,
});

// The argv as [flag, ...operands] groups is awkward to search; pairs of (flag, dest) are enough for these checks.
function has(argv: string[], ...seq: string[]): boolean {
  return argv.some((_, i) => seq.every((s, j) => argv[i + j] === s));
}

describe('engine/runners/sandbox/bwrap-argv', () => {
  it('isolates pid, session and capabilities, and maps to an unprivileged uid with a user namespace', () => {
    const argv = bwrapArgv(policy(), HOST);
    expect(argv[0]).to.equal('/usr/bin/bwrap');
    for (const flag of ['--unshare-pid', '--die-with-parent', '--new-session']) expect(argv).to.include(flag);
    expect(has(argv, '--cap-drop', 'ALL')).to.equal(true);
    expect(has(argv, '--unshare-user', '--uid', '65534', '--gid', '65534')).to.equal(true);
    expect(argv).not.to.include('--unshare-net');
    expect(argv.slice(argv.indexOf('--') + 1)).to.deep.equal(policy().command);
  });

  it('without a user namespace keeps only --cap-drop ALL; --plugin-network none adds --unshare-net', () => {
    const argv = bwrapArgv(policy({ userNamespace: false, network: 'none' }), HOST);
    expect(argv).not.to.include('--unshare-user');
    expect(has(argv, '--cap-drop', 'ALL')).to.equal(true);
    expect(argv).to.include('--unshare-net');
  });

  it('binds system dirs read-only, recreates merged-/usr symlinks, and gives a fresh /proc, /dev and a private /tmp', () => {
    const argv = bwrapArgv(policy(), HOST);
    expect(has(argv, '--ro-bind', '/usr', '/usr')).to.equal(true);
    expect(has(argv, '--ro-bind', '/etc', '/etc')).to.equal(true);
    expect(has(argv, '--symlink', 'usr/bin', '/bin')).to.equal(true);
    expect(has(argv, '--proc', '/proc')).to.equal(true);
    expect(has(argv, '--dev', '/dev')).to.equal(true);
    expect(has(argv, '--tmpfs', '/tmp')).to.equal(true);
    expect(argv).not.to.include('/sbin'); // missing on this host: not mentioned
  });

  it('binds the Python install, python-runner and the plugin dir read-only; the venv inside the plugin dir comes with it', () => {
    const argv = bwrapArgv(policy(), HOST);
    expect(has(argv, '--ro-bind', '/opt/py/3.12', '/opt/py/3.12')).to.equal(true);
    expect(has(argv, '--ro-bind', '/opt/engine/python-runner', '/opt/engine/python-runner')).to.equal(true);
    expect(has(argv, '--ro-bind', '/var/lib/influxdb3/plugins', '/var/lib/influxdb3/plugins')).to.equal(true);
    expect(has(argv, '--ro-bind', '/var/lib/influxdb3/plugins/.venv', '/var/lib/influxdb3/plugins/.venv')).to.equal(false);
    expect(argv).not.to.include('--bind');
  });

  it('never binds the data dir, and masks the token file and /etc secrets that /etc would show', () => {
    const argv = bwrapArgv(policy(), HOST);
    expect(argv.filter((a) => a === '/var/lib/influxdb3/data')).to.deep.equal([]);
    expect(has(argv, '--ro-bind', '/dev/null', '/etc/influxdb3/admin-token.json')).to.equal(true);
    expect(has(argv, '--ro-bind', '/dev/null', '/etc/shadow')).to.equal(true);
    // Masks come after the bind of the dir they hide something in.
    expect(argv.indexOf('/etc/influxdb3/admin-token.json')).to.be.greaterThan(argv.indexOf('/etc'));
  });

  it('masks a hidden dir inside a bound dir with an empty read-only tmpfs, and binds a wanted path inside it again', () => {
    const argv = bwrapArgv(
      policy({ readOnly: ['/srv/all', '/srv/all/data/venv'], hidden: ['/srv/all/data'] }),
      facts({ '/usr': 'dir', '/srv/all': 'dir', '/srv/all/data': 'dir', '/srv/all/data/venv': 'dir' }),
    );
    const mask = argv.findIndex((a, i) => a === '--tmpfs' && argv[i + 1] === '/srv/all/data');
    expect(mask).to.be.greaterThan(argv.indexOf('/srv/all'));
    expect(has(argv, '--remount-ro', '/srv/all/data')).to.equal(true);
    const rebind = argv.findIndex((a, i) => a === '--ro-bind' && argv[i + 1] === '/srv/all/data/venv');
    expect(rebind).to.be.greaterThan(mask);
  });

  it('binds a read-only dir again on top of a writable parent that holds it', () => {
    const host = facts({ '/usr': 'dir', '/srv/root': 'dir', '/srv/root/plugins': 'dir' });
    const argv = bwrapArgv(policy({ writable: ['/srv/root'], readOnly: ['/srv/root/plugins'], hidden: [] }), host).join(' ');
    expect(argv).to.include('--bind /srv/root /srv/root');
    expect(argv).to.include('--ro-bind /srv/root/plugins /srv/root/plugins');
    expect(argv.indexOf('--bind /srv/root ')).to.be.below(argv.indexOf('--ro-bind /srv/root/plugins'));
  });

  it('binds a writable scratch dir when asked', () => {
    const argv = bwrapArgv(policy({ writable: ['/var/lib/influxdb3/plugins'] }), HOST);
    expect(has(argv, '--bind', '/var/lib/influxdb3/plugins', '/var/lib/influxdb3/plugins')).to.equal(true);
  });

});
