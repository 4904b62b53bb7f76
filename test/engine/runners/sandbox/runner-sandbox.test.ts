import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSandbox, strictShortfall, type SandboxCapabilities } from '../../../../src/engine/runners/sandbox/detect-sandbox.js';
import { parseCgroupMounts, parseOwnCgroups } from '../../../../src/engine/runners/sandbox/runner-cgroup.js';
import { JOIN_CGROUPS, RunnerSandbox, SandboxUnavailableError, limitArgs } from '../../../../src/engine/runners/sandbox/runner-sandbox.js';
import { createLogger } from '../../../../src/shared/logger.js';

const NONE: SandboxCapabilities = {
  bwrap: null,
  bwrapReason: 'bwrap not found (install the bubblewrap package)',
  userNamespace: false,
  userNamespaceReason: 'not probed without bwrap',
  cgroup: null,
  cgroupReason: 'no writable cgroup (v1 memory: EACCES)',
  root: false,
};
const FULL: SandboxCapabilities = { ...NONE, bwrap: '/usr/bin/bwrap', bwrapReason: 'bwrap', userNamespace: true, userNamespaceReason: 'user namespace' };
const LIMITS = { memoryLimitBytes: 100, addressSpaceBytes: 600, cpuCores: 0, maxProcesses: 64 };

function sandbox(mode: 'auto' | 'strict' | 'off', caps: SandboxCapabilities, more: { network?: 'host' | 'none'; hidden?: string[] } = {}): RunnerSandbox {
  return new RunnerSandbox({ mode, network: more.network ?? 'host', hidden: more.hidden ?? [], logger: createLogger('silent'), detect: () => Promise.resolve(caps) });
}

describe('engine/runners/sandbox/runner-sandbox', () => {
  it('strict refuses a runner without bwrap, naming why', async () => {
    const err = await sandbox('strict', NONE).plan('t', '/usr/bin/python3', [], [], LIMITS).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SandboxUnavailableError);
    expect((err as Error).message).to.equal(
      'plugin sandbox unavailable and --plugin-sandbox is strict: bwrap not found (install the bubblewrap package); no writable cgroup (v1 memory: EACCES), and not probed without bwrap',
    );
  });

  it('strict accepts bwrap with a user namespace (RLIMIT_NPROC then counts only the runner) even without a cgroup', () => {
    expect(strictShortfall(FULL)).to.equal(null);
    expect(strictShortfall({ ...FULL, userNamespace: false, root: true })).to.match(/no writable cgroup/);
  });

  it('off starts Python directly in its own process group, with rlimits and the parent pid for PR_SET_PDEATHSIG', async () => {
    const plan = await sandbox('off', FULL).plan('t', '/usr/bin/python3', ['-m', 'plugin_runner'], [], LIMITS);
    expect(plan.command).to.equal('/usr/bin/python3');
    expect(plan.processGroup).to.equal(true);
    expect(plan.level).to.equal('none (--plugin-sandbox off)');
    expect(plan.args).to.include.members(['--memory-limit-bytes', '600', '--max-file-bytes', '100', '--parent-pid', String(process.pid)]);
  });

  it('auto with bwrap wraps Python in bwrap and needs no process group', async () => {
    const plan = await sandbox('auto', FULL).plan('t', '/usr/bin/python3', ['-m', 'plugin_runner'], ['/srv/plugins'], LIMITS);
    expect(plan.command).to.equal('/usr/bin/bwrap');
    expect(plan.processGroup).to.equal(false);
    expect(plan.wrapped).to.equal(true);
    expect(plan.level).to.equal('bwrap,userns,rlimits');
    expect(plan.args.slice(plan.args.indexOf('--') + 1, plan.args.indexOf('--') + 4)).to.deep.equal(['/usr/bin/python3', '-m', 'plugin_runner']);
    expect(plan.args).not.to.include('--parent-pid');
  });

  it('RLIMIT_NPROC: absolute in a user namespace, relative for an unprivileged uid, skipped for root outside one', () => {
    const where = { bwrap: true, cgroup: false };
    expect(limitArgs(LIMITS, { ...where, userNamespace: true, root: true })).to.include('--max-processes').and.to.include('64');
    expect(limitArgs(LIMITS, { ...where, userNamespace: false, root: false })).to.include('--max-processes-relative');
    expect(limitArgs(LIMITS, { ...where, userNamespace: false, root: true })).not.to.include('--max-processes');
  });

  it('the start line names each protection on or missing and why', () => {
    const line = describeSandbox(NONE, 'auto', 'none', 0.5);
    expect(line).to.match(/^plugin sandbox auto, level rlimits,pgroup: /);
    expect(line).to.include('bwrap MISSING (bwrap not found (install the bubblewrap package))');
    expect(line).to.include('cgroup MISSING (no writable cgroup (v1 memory: EACCES))');
    expect(line).to.include('cpu limit 0.5 cores NOT enforced');
    expect(line).to.include('network NOT cut (--plugin-network none needs bwrap)');
    expect(describeSandbox(FULL, 'off', 'host', 0)).to.match(/^plugin sandbox: off \(--plugin-sandbox off\)/);
  });

  it('parses cgroup mounts and the own cgroup paths of a v1 hybrid', () => {
    const mounts = parseCgroupMounts(
      [
        '30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate',
        '33 25 0:29 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory',
        '34 25 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
        '22 1 0:20 / /proc rw - proc proc rw',
      ].join('\n'),
    );
    expect(mounts.map((m) => [m.mount, m.fs])).to.deep.equal([
      ['/sys/fs/cgroup/unified', 'cgroup2'],
      ['/sys/fs/cgroup/memory', 'cgroup'],
      ['/sys/fs/cgroup/cpu,cpuacct', 'cgroup'],
    ]);
    expect(mounts[2]!.options).to.include('cpu');
    const own = parseOwnCgroups('4:memory:/system.slice/x.service\n2:cpu,cpuacct:/\n0::/system.slice/x.service\n');
    expect(own.get('memory')).to.equal('/system.slice/x.service');
    expect(own.get('')).to.equal('/system.slice/x.service');
  });

  it('the cgroup join script moves itself into each cgroup, then execs the runner', () => {
    expect(JOIN_CGROUPS).to.include('echo $$ > "$1" || exit 125');
    expect(JOIN_CGROUPS).to.match(/exec "\$@"$/);
  });

  describe('wrap (package installs)', () => {
    let root: string;
    before(() => {
      root = mkdtempSync(join(tmpdir(), 'wrap-test-'));
      for (const d of ['plugins/.venv', 'data']) mkdirSync(join(root, d), { recursive: true });
      writeFileSync(join(root, 'plugins/requirements.txt'), 'x\n');
      writeFileSync(join(root, 'token'), 'secret\n');
    });
    after(() => rmSync(root, { recursive: true, force: true }));
    const pip = ['/usr/bin/python3', '-m', 'pip', 'install', 'x'];

    it('off, or auto without bwrap: the command unchanged and no environment', async () => {
      expect(await sandbox('off', FULL).wrap(pip, { readOnly: [], writable: [] })).to.deep.equal({ argv: pip, level: 'none (--plugin-sandbox off)', env: {} });
      expect(await sandbox('auto', NONE).wrap(pip, { readOnly: [], writable: [] })).to.deep.equal({ argv: pip, level: 'none (no bwrap)', env: {} });
    });

    it('strict refuses without bwrap, naming why (a missing cgroup alone does not refuse an install)', async () => {
      const err = await sandbox('strict', NONE).wrap(pip, { readOnly: [], writable: [] }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(SandboxUnavailableError);
      expect((err as Error).message).to.equal('plugin sandbox unavailable and --plugin-sandbox is strict: bwrap not found (install the bubblewrap package)');
      expect((await sandbox('strict', { ...FULL, userNamespace: false, root: true }).wrap(pip, { readOnly: [], writable: [] })).level).to.equal('bwrap');
    });

    it('bwrap: venv writable, requirements dir read-only, data dir and token hidden, network kept, HOME in the private /tmp', async () => {
      const venv = join(root, 'plugins/.venv');
      const hidden = [join(root, 'data'), join(root, 'token')];
      const w = await sandbox('auto', FULL, { network: 'none', hidden }).wrap(pip, { readOnly: [join(root, 'plugins'), venv], writable: [venv] });
      const a = w.argv;
      expect(a[0]).to.equal('/usr/bin/bwrap');
      expect(a.slice(a.indexOf('--') + 1)).to.deep.equal(pip);
      expect(w.level).to.equal('bwrap,userns');
      expect(a).to.include.members(['--unshare-pid', '--die-with-parent', '--new-session', '--unshare-user', '--cap-drop']);
      expect(a, '--plugin-network none does not apply to installs').not.to.include('--unshare-net');
      const pairs = a.map((x, i) => `${x} ${a[i + 1]}`);
      expect(pairs).to.include(`--bind ${venv}`);
      expect(pairs, 'the venv is writable only').not.to.include(`--ro-bind ${venv}`);
      expect(pairs).to.include(`--ro-bind ${join(root, 'plugins')}`);
      expect(pairs).to.include('--tmpfs /tmp');
      expect(pairs).to.include('--chdir /tmp');
      // Neither the data dir nor the token file is bound: they do not exist inside.
      expect(a.filter((x) => x.startsWith(join(root, 'data')) || x === join(root, 'token'))).to.deep.equal([]);
      expect(w.env).to.deep.equal({ HOME: '/tmp', TMPDIR: '/tmp', XDG_CACHE_HOME: '/tmp/.cache', XDG_CONFIG_HOME: '/tmp/.config' });
    });

    it('bwrap: a venv kept inside the hidden data dir is bound on top of the mask, nothing else of it', async () => {
      const data = join(root, 'data');
      const venv = join(data, 'venv');
      mkdirSync(venv, { recursive: true });
      const w = await sandbox('auto', FULL, { hidden: [data] }).wrap(pip, { readOnly: [root], writable: [venv] });
      const pairs = w.argv.map((x, i) => `${x} ${w.argv[i + 1]}`);
      const mask = pairs.indexOf(`--tmpfs ${data}`);
      expect(mask, 'the data dir is masked').to.be.greaterThan(0);
      expect(pairs.lastIndexOf(`--bind ${venv}`)).to.be.greaterThan(mask);
    });
  });
});
