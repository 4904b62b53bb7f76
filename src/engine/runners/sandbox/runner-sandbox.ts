import { lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from '../../../shared/app-error.js';
import type { Logger } from '../../../shared/logger.js';
import { bwrapArgv, type PathFacts } from './bwrap-argv.js';
import { describeSandbox, detectSandbox, sandboxLevel, strictShortfall, type SandboxCapabilities } from './detect-sandbox.js';
import { RunnerCgroup, removeCgroupBase } from './runner-cgroup.js';

export type SandboxMode = 'auto' | 'strict' | 'off';

// The server-wide sandbox settings (--plugin-sandbox, --plugin-network) and what runners must never see.
export interface RunnerSandboxOptions {
  mode: SandboxMode;
  network: 'host' | 'none';
  // The server's cpu limit (cores), only for the start line; runners pass their own.
  cpuCores?: number;
  // Must not exist inside a runner: data dir, admin-token file, TLS files.
  hidden: string[];
  // --plugin-writable-paths: bound read-write into every runner.
  writable?: string[];
  logger: Logger;
  // Injected by tests.
  detect?: (mode: SandboxMode) => Promise<SandboxCapabilities>;
}

// One runner's limits (server defaults or the trigger's own).
export interface RunnerLimits {
  memoryLimitBytes: number | null;
  // RLIMIT_AS for the child (above the RSS limit: it counts mappings too).
  addressSpaceBytes: number | null;
  cpuCores: number;
  maxProcesses: number;
}

// What to spawn for one runner, and how to clean up after it.
export interface LaunchPlan {
  command: string;
  args: string[];
  // No bwrap: the runner leads its own process group, killed as a group.
  processGroup: boolean;
  // bwrap reports a signalled child as 128 + signal.
  wrapped: boolean;
  level: string;
  cgroup: RunnerCgroup | null;
  // After the runner exited: kill what is left in its cgroup, remove it.
  release(): Promise<void>;
}

// What a wrapped helper command may see besides the system dirs: host paths, each at the same path inside.
export interface WrapOptions {
  readOnly: string[];
  // Bound read-write (wins over the same path in readOnly).
  writable: string[];
}

// A helper command to run: its argv, the sandbox level (for the log), and the environment it needs inside.
export interface WrappedCommand {
  argv: string[];
  level: string;
  // Set on top of the caller's environment: HOME and caches point into the private /tmp. Empty when not wrapped.
  env: Record<string, string>;
}

// Inside the sandbox only /tmp (a private tmpfs) is writable besides the bound dirs: HOME, TMPDIR and XDG caches go there.
const WRAPPED_ENV: Record<string, string> = {
  HOME: '/tmp',
  TMPDIR: '/tmp',
  XDG_CACHE_HOME: '/tmp/.cache',
  XDG_CONFIG_HOME: '/tmp/.config',
};

// A runner refused by --plugin-sandbox strict.
export class SandboxUnavailableError extends AppError {
  constructor(reason: string) {
    super('plugin_sandbox_unavailable', `plugin sandbox unavailable and --plugin-sandbox is strict: ${reason}`, { status: 503, details: { reason } });
    this.name = 'SandboxUnavailableError';
  }
}

const hostFacts: PathFacts = {
  kind(path) {
    try {
      const st = lstatSync(path);
      return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
    } catch {
      return 'missing';
    }
  },
  readlink: (path) => readlinkSync(path),
  realpath(path) {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  },
};

// The directories a Python interpreter needs: its venv (when it is one) and its base install's prefix.
export function pythonDirs(python: string, facts: PathFacts = hostFacts): string[] {
  const out: string[] = [];
  const binDir = dirname(python);
  const venv = dirname(binDir);
  let home: string | null = null;
  try {
    const cfg = readFileSync(join(venv, 'pyvenv.cfg'), 'utf8');
    out.push(venv);
    home = /^home\s*=\s*(.+)$/m.exec(cfg)?.[1]?.trim() ?? null;
  } catch {
    // not a venv
  }
  const real = facts.realpath(python);
  for (const bin of [dirname(real), home ? facts.realpath(home) : null]) {
    if (bin && bin.endsWith('/bin')) out.push(dirname(bin));
  }
  return [...new Set(out)];
}

// Decides, per runner, how it is started: under bwrap with its own cgroup where the machine allows, else with rlimits
// and a process-group kill. Detection runs once; its one line names every protection on or missing.
export class RunnerSandbox {
  private caps: Promise<SandboxCapabilities> | null = null;
  private counter = 0;
  // Cgroups of runners that exited but are not removed yet; stop() waits for them.
  private readonly releasing = new Set<Promise<void>>();

  constructor(private readonly options: RunnerSandboxOptions) {}

  get mode(): SandboxMode {
    return this.options.mode;
  }

  ready(): Promise<SandboxCapabilities> {
    this.caps ??= (this.options.detect ?? detectSandbox)(this.options.mode).then((caps) => {
      const line = describeSandbox(caps, this.options.mode, this.options.network, this.options.cpuCores ?? 0);
      const log = this.options.logger;
      if (this.options.mode === 'off' || !caps.bwrap) log.warn({ sandbox: sandboxLevel(caps, this.options.mode) }, line);
      else log.info({ sandbox: sandboxLevel(caps, this.options.mode) }, line);
      return caps;
    });
    return this.caps;
  }

  // The argv for one runner: `python` + `pythonArgs` (the runner's own argv), inside what this machine allows.
  async plan(name: string, python: string, pythonArgs: string[], readOnly: string[], limits: RunnerLimits): Promise<LaunchPlan> {
    const caps = await this.ready();
    const mode = this.options.mode;
    if (mode === 'strict') {
      const why = strictShortfall(caps);
      if (why) throw new SandboxUnavailableError(why);
    }
    const bwrap = mode !== 'off' ? caps.bwrap : null;
    const userNamespace = Boolean(bwrap && caps.userNamespace);
    let cgroup: RunnerCgroup | null = null;
    if (mode !== 'off' && caps.cgroup) {
      const id = `${sanitize(name)}-${++this.counter}`;
      try {
        cgroup = await RunnerCgroup.create(caps.cgroup, id, {
          memoryBytes: limits.addressSpaceBytes,
          maxProcesses: limits.maxProcesses,
          cpuCores: limits.cpuCores,
        });
      } catch (err) {
        if (mode === 'strict') throw new SandboxUnavailableError(`cannot create the runner's cgroup: ${(err as Error).message}`);
        this.options.logger.warn({ runner: name, err: (err as Error).message }, 'cannot create a cgroup for the runner; starting it without one');
      }
    }
    const childArgs = [...pythonArgs, ...limitArgs(limits, { userNamespace, bwrap: Boolean(bwrap), cgroup: cgroup !== null, root: caps.root })];
    let argv = [python, ...childArgs];
    if (bwrap) {
      argv = bwrapArgv(
        {
          bwrap,
          command: argv,
          readOnly: [...pythonDirs(python), ...readOnly],
          writable: this.options.writable ?? [],
          hidden: this.options.hidden,
          network: this.options.network,
          userNamespace,
        },
        hostFacts,
      );
    }
    if (cgroup) argv = ['/bin/sh', '-c', JOIN_CGROUPS, 'sh', String(cgroup.procsFiles.length), ...cgroup.procsFiles, ...argv];
    const parts = mode === 'off' ? [] : [bwrap ? 'bwrap' : null, userNamespace ? 'userns' : null, cgroup ? 'cgroup' : null];
    const level = mode === 'off' ? 'none (--plugin-sandbox off)' : [...parts.filter(Boolean), 'rlimits', ...(bwrap ? [] : ['pgroup'])].join(',');
    return {
      command: argv[0]!,
      args: argv.slice(1),
      processGroup: !bwrap,
      wrapped: Boolean(bwrap),
      level,
      cgroup,
      release: () => {
        if (!cgroup) return Promise.resolve();
        const done = cgroup.remove().finally(() => this.releasing.delete(done));
        this.releasing.add(done);
        return done;
      },
    };
  }

  // The argv for a helper command (pip in the plugin venv) in the runners' mount view: bwrap only (no cgroup, no
  // rlimits), network always on (an install needs the index: --plugin-network none does not apply), a private /tmp
  // as HOME. Unchanged when the mode is off or bwrap is missing; strict refuses without bwrap.
  async wrap(command: string[], opts: WrapOptions): Promise<WrappedCommand> {
    const caps = await this.ready();
    const mode = this.options.mode;
    if (mode === 'strict' && !caps.bwrap) throw new SandboxUnavailableError(caps.bwrapReason);
    const bwrap = mode !== 'off' ? caps.bwrap : null;
    if (!bwrap) return { argv: [...command], level: mode === 'off' ? 'none (--plugin-sandbox off)' : 'none (no bwrap)', env: {} };
    const userNamespace = caps.userNamespace;
    const writable = opts.writable.map((p) => hostFacts.realpath(p));
    const argv = bwrapArgv(
      {
        bwrap,
        command,
        readOnly: opts.readOnly.filter((p) => !writable.includes(hostFacts.realpath(p))),
        writable: opts.writable,
        hidden: this.options.hidden,
        network: 'host',
        userNamespace,
        chdir: '/tmp',
      },
      hostFacts,
    );
    return { argv, level: userNamespace ? 'bwrap,userns' : 'bwrap', env: { ...WRAPPED_ENV } };
  }

  // Removes the server's cgroup directory once every runner is stopped.
  async stop(): Promise<void> {
    const caps = this.caps ? await this.caps : null;
    await Promise.allSettled([...this.releasing]);
    if (caps?.cgroup) await removeCgroupBase(caps.cgroup);
  }
}

// No sandbox object (unit tests, tools): Python directly, rlimits, its own process group, PR_SET_PDEATHSIG.
export function directPlan(python: string, pythonArgs: string[], limits: RunnerLimits): LaunchPlan {
  const root = process.getuid?.() === 0;
  return {
    command: python,
    args: [...pythonArgs, ...limitArgs(limits, { userNamespace: false, bwrap: false, cgroup: false, root })],
    processGroup: true,
    wrapped: false,
    level: 'rlimits,pgroup',
    cgroup: null,
    release: () => Promise.resolve(),
  };
}

// Moves the shell into each runner cgroup, then becomes the runner (exec keeps the pid): nothing it starts can be
// outside the cgroup. $1 = how many cgroup.procs files follow; the rest is the runner's argv.
export const JOIN_CGROUPS = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';

// The Python runner's own limit flags (see python-runner/plugin_runner/limits.py).
export function limitArgs(
  limits: RunnerLimits,
  where: { userNamespace: boolean; bwrap: boolean; cgroup: boolean; root: boolean },
): string[] {
  const out: string[] = [];
  if (limits.addressSpaceBytes) out.push('--memory-limit-bytes', String(limits.addressSpaceBytes));
  // The largest file a plugin may write: its private /tmp lives in memory, so the memory limit bounds it.
  if (limits.memoryLimitBytes) out.push('--max-file-bytes', String(limits.memoryLimitBytes));
  if (limits.maxProcesses > 0) {
    // RLIMIT_NPROC counts every process of the real uid: absolute inside a user namespace, relative to the uid's
    // current count otherwise; root outside a user namespace is exempt from it (a cgroup's pids.max covers that).
    if (where.userNamespace) out.push('--max-processes', String(limits.maxProcesses));
    else if (!where.root) out.push('--max-processes', String(limits.maxProcesses), '--max-processes-relative');
  }
  if (!where.bwrap) out.push('--parent-pid', String(process.pid));
  return out;
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60) || 'runner';
}
