import { posix } from 'node:path';
import { isWithin as within } from '../../../shared/path-within.js';

// What a path is on the host, asked by the argv builder (injected so the builder stays a pure function in tests).
export interface PathFacts {
  kind(path: string): 'dir' | 'file' | 'symlink' | 'missing';
  // The target of a symlink, as written in the link.
  readlink(path: string): string;
  // The canonical path (symlinks resolved); the path itself when it cannot be resolved.
  realpath(path: string): string;
}

// The mount view and namespaces of one runner. Paths are absolute host paths; inside the sandbox each appears at the
// same path, so the Python argv, PYTHONPATH and PLUGIN_DIR need no translation.
export interface SandboxPolicy {
  bwrap: string;
  // The program to run inside (the Python runner's argv).
  command: string[];
  // Bound read-only: the Python install, the venv, python-runner/, the plugin dir.
  readOnly: string[];
  // Bound writable (a trigger's scratch dir), optional.
  writable?: string[];
  // Must not exist inside: the data dir, catalog, admin-token file, TLS files. Masked when a bound dir holds them.
  hidden: string[];
  network: 'host' | 'none';
  // A user namespace mapping the runner to an unprivileged uid/gid (65534) inside.
  userNamespace: boolean;
  chdir?: string;
}

// The system directories every runner sees read-only (merged-/usr symlinks are recreated as symlinks).
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];

// Files under /etc that a root-owned runner could otherwise read by owner permission: masked even though /etc is
// read-only.
export const SYSTEM_SECRETS = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/sudoers', '/etc/sudoers.d', '/etc/ssh', '/etc/ssl/private'];

const NOBODY = '65534';

// True when `path` is `dir` or below it.
const isWithin = (path: string, dir: string): boolean => within(dir, path);

// Turns a policy into bwrap's argv (argv[0] is bwrap itself). Order matters: parents are bound before children,
// masks after the binds they hide something in, and bound paths inside a masked dir are bound again after the mask.
export function bwrapArgv(policy: SandboxPolicy, facts: PathFacts): string[] {
  // Only the namespaces the packaged systemd unit allows (RestrictNamespaces=user mnt pid, + net for --plugin-network none).
  const argv = [policy.bwrap, '--unshare-pid', '--die-with-parent', '--new-session'];
  if (policy.userNamespace) argv.push('--unshare-user', '--uid', NOBODY, '--gid', NOBODY);
  argv.push('--cap-drop', 'ALL');
  if (policy.network === 'none') argv.push('--unshare-net');

  const bound: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const kind = facts.kind(dir);
    if (kind === 'missing') continue;
    if (kind === 'symlink') argv.push('--symlink', facts.readlink(dir), dir);
    else {
      argv.push('--ro-bind', dir, dir);
      bound.push(dir);
    }
  }
  // DNS: /etc/resolv.conf is often a symlink into /run, which the sandbox does not otherwise have.
  if (facts.kind('/etc/resolv.conf') === 'symlink') {
    const target = facts.realpath('/etc/resolv.conf');
    if (target !== '/etc/resolv.conf' && !bound.some((b) => isWithin(target, b)) && facts.kind(target) === 'file') {
      argv.push('--ro-bind', target, target);
    }
  }
  argv.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');

  const hidden = unique(policy.hidden.flatMap((p) => [posix.normalize(p), facts.realpath(p)]));
  const links: Array<[string, string]> = [];
  const toMounts = (paths: string[], flag: string) =>
    unique(
      paths.map((p) => {
        const given = posix.normalize(p);
        const real = facts.realpath(given);
        if (real !== given && facts.kind(given) === 'symlink') links.push([real, given]);
        return real;
      }),
    ).map((path) => ({ path, flag }));
  const mounts = [...toMounts(policy.readOnly, '--ro-bind'), ...toMounts(policy.writable ?? [], '--bind')]
    .filter((m) => facts.kind(m.path) !== 'missing' && !hidden.includes(m.path))
    .sort((a, b) => depth(a.path) - depth(b.path));
  const placed: Array<{ path: string; readOnly: boolean }> = bound.map((path) => ({ path, readOnly: true }));
  mounts.forEach((m) => {
    const readOnly = m.flag === '--ro-bind';
    // What the nearest enclosing mount already shows: read-only (e.g. /usr/lib/python3 under /usr) adds nothing to a
    // read-only bind; a writable one (--plugin-writable-paths holding the plugin dir) needs it bound on top.
    const parent = placed.filter((b) => isWithin(m.path, b.path)).sort((a, b) => depth(b.path) - depth(a.path))[0];
    if (readOnly && parent?.readOnly) return;
    placed.push({ path: m.path, readOnly });
    argv.push(m.flag, m.path, m.path);
    bound.push(m.path);
  });
  for (const [target, link] of links) {
    if (!bound.some((b) => isWithin(link, b))) argv.push('--symlink', target, link);
  }

  // Masks: only what a bound dir would show. A dir becomes an empty read-only tmpfs, a file /dev/null.
  const masked: string[] = [];
  for (const path of unique([...SYSTEM_SECRETS, ...hidden]).sort((a, b) => depth(a) - depth(b))) {
    if (!bound.some((b) => isWithin(path, b)) || masked.some((m) => isWithin(path, m))) continue;
    const kind = facts.kind(path);
    if (kind === 'dir') argv.push('--tmpfs', path, '--remount-ro', path);
    else if (kind === 'file') argv.push('--ro-bind', '/dev/null', path);
    else continue;
    masked.push(path);
  }
  // A bound path inside a masked dir (a venv kept under the data dir) is bound again on top of the mask.
  for (const m of mounts) {
    if (masked.some((d) => isWithin(m.path, d) && m.path !== d)) argv.push(m.flag, m.path, m.path);
  }

  if (policy.chdir) argv.push('--chdir', policy.chdir);
  argv.push('--', ...policy.command);
  return argv;
}

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
