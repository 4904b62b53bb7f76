import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { detectCgroupBase, type CgroupBase } from './runner-cgroup.js';

// What this machine allows, found once at start: each protection and, when it is missing, why.
export interface SandboxCapabilities {
  bwrap: string | null;
  bwrapReason: string;
  userNamespace: boolean;
  userNamespaceReason: string;
  cgroup: CgroupBase | null;
  cgroupReason: string;
  root: boolean;
}

const PROBE_TIMEOUT_MS = 5_000;

// Looks for bwrap on PATH (and in /usr/bin, which a service's PATH may lack).
export function findBwrap(env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'bwrap');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

// Runs a trivial sandbox with the namespaces every runner uses; resolves null when it works, else why not.
function probe(argv: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: PROBE_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (!err) return resolve(null);
      const text = String(stderr).trim().split('\n').pop() || err.message;
      resolve(text.replace(/^bwrap: /, ''));
    });
  });
}

function systemBinds(): string[] {
  const out: string[] = [];
  for (const dir of ['/usr', '/bin', '/lib', '/lib64']) out.push('--ro-bind-try', dir, dir);
  return out;
}

// Probes bwrap, user namespaces and a writable cgroup (mode 'off' probes nothing).
export async function detectSandbox(mode: 'auto' | 'strict' | 'off'): Promise<SandboxCapabilities> {
  const root = process.getuid?.() === 0;
  const caps: SandboxCapabilities = {
    bwrap: null,
    bwrapReason: 'off (--plugin-sandbox off)',
    userNamespace: false,
    userNamespaceReason: 'off (--plugin-sandbox off)',
    cgroup: null,
    cgroupReason: 'off (--plugin-sandbox off)',
    root,
  };
  if (mode === 'off') return caps;
  const bwrap = findBwrap();
  if (!bwrap) {
    caps.bwrapReason = 'bwrap not found (install the bubblewrap package)';
    caps.userNamespaceReason = 'not probed without bwrap';
  } else {
    const base = [bwrap, ...systemBinds(), '--proc', '/proc', '--dev', '/dev', '--unshare-pid', '--die-with-parent', '--new-session'];
    const [plain, userns] = await Promise.all([
      probe([...base, '--cap-drop', 'ALL', '--', 'true']),
      probe([...base, '--unshare-user', '--uid', '65534', '--gid', '65534', '--cap-drop', 'ALL', '--', 'true']),
    ]);
    caps.userNamespace = userns === null;
    caps.userNamespaceReason = userns === null ? 'user namespace' : `no user namespace: ${userns}`;
    // Unprivileged, bwrap needs a user namespace; as root it can do without one (capabilities dropped instead).
    if (userns === null || (root && plain === null)) {
      caps.bwrap = bwrap;
      caps.bwrapReason = 'bwrap';
    } else {
      caps.bwrapReason = `bwrap does not work here: ${plain ?? userns}`;
    }
  }
  const cgroup = await detectCgroupBase();
  caps.cgroup = cgroup.base;
  caps.cgroupReason = cgroup.base ? cgroup.reason : `no writable cgroup (${cgroup.reason})`;
  return caps;
}

// The level in force, as shown per runner in system tables and /metrics, e.g. 'bwrap,userns,cgroup'.
export function sandboxLevel(caps: SandboxCapabilities, mode: 'auto' | 'strict' | 'off'): string {
  if (mode === 'off') return 'none (--plugin-sandbox off)';
  const parts: string[] = [];
  if (caps.bwrap) parts.push('bwrap');
  if (caps.bwrap && caps.userNamespace) parts.push('userns');
  if (caps.cgroup) parts.push('cgroup');
  parts.push('rlimits');
  if (!caps.bwrap) parts.push('pgroup');
  return parts.join(',');
}

// The one line logged at start: every protection, on or missing and why.
export function describeSandbox(caps: SandboxCapabilities, mode: 'auto' | 'strict' | 'off', network: 'host' | 'none', cpuCores: number): string {
  if (mode === 'off') {
    return 'plugin sandbox: off (--plugin-sandbox off): no namespaces, no cgroup; rlimits (RLIMIT_AS/NPROC/FSIZE), process-group kill and PR_SET_PDEATHSIG only';
  }
  const items: string[] = [];
  items.push(caps.bwrap ? `bwrap on (${caps.bwrap}): pid and mount namespaces, no capabilities, private /tmp, data dir hidden` : `bwrap MISSING (${caps.bwrapReason}): runners see the server's files and processes`);
  if (caps.bwrap) items.push(caps.userNamespace ? 'user namespace on (uid 65534 inside)' : `user namespace MISSING (${caps.userNamespaceReason}); capabilities dropped instead`);
  items.push(caps.cgroup ? `cgroup on (${caps.cgroupReason}: memory, pids${caps.cgroup.version === 2 || caps.cgroup.dirs.cpu ? ', cpu' : ''} per runner)` : `cgroup MISSING (${caps.cgroupReason}): memory enforced by RLIMIT_AS and RSS sampling`);
  if (cpuCores > 0 && !(caps.cgroup && (caps.cgroup.version === 2 || caps.cgroup.dirs.cpu))) {
    items.push(`cpu limit ${cpuCores} cores NOT enforced (no cpu cgroup; the call timeout bounds CPU time)`);
  }
  items.push(caps.cgroup || (caps.bwrap && caps.userNamespace) || !caps.root ? 'process limit on' : 'process limit MISSING (root without user namespace or cgroup: RLIMIT_NPROC does not apply to root)');
  items.push(caps.bwrap ? 'kill: whole PID namespace' : 'kill: process group + PR_SET_PDEATHSIG (a setsid daemon can escape)');
  items.push(`network ${network === 'none' ? (caps.bwrap ? 'off (--plugin-network none)' : 'NOT cut (--plugin-network none needs bwrap)') : 'on (host)'}`);
  return `plugin sandbox ${mode}, level ${sandboxLevel(caps, mode)}: ${items.join('; ')}`;
}

// Why strict mode refuses to start a runner here, or null when the full sandbox is available: bwrap, and a kernel
// limit on processes (a cgroup, or a user namespace in which RLIMIT_NPROC counts only the runner's own processes).
export function strictShortfall(caps: SandboxCapabilities): string | null {
  const missing: string[] = [];
  if (!caps.bwrap) missing.push(caps.bwrapReason);
  if (!caps.cgroup && !(caps.bwrap && caps.userNamespace)) missing.push(`${caps.cgroupReason}, and ${caps.userNamespaceReason}`);
  return missing.length ? missing.join('; ') : null;
}
