import { access, mkdir, readFile, readdir, rmdir, writeFile, constants } from 'node:fs/promises';
import { join } from 'node:path';

// Where runner cgroups are created: one directory per controller (v1) or one unified directory (v2), below the
// server's own cgroup so the limits of whoever runs the server (systemd, a container) still apply above them.
export interface CgroupBase {
  version: 1 | 2;
  // v2: { unified }; v1: { memory, pids, cpu? }.
  dirs: Record<string, string>;
}

export interface CgroupLimits {
  memoryBytes: number | null;
  // 0 = no limit.
  maxProcesses: number;
  // Cores; 0 = no limit.
  cpuCores: number;
}

const CPU_PERIOD_US = 100_000;

// Finds a cgroup the server may create runner cgroups in (never required: a host without one falls back to rlimits
// and a process-group kill). Returns the base, or why there is none.
export async function detectCgroupBase(serverPid = process.pid): Promise<{ base: CgroupBase | null; reason: string }> {
  let own: string;
  let mountinfo: string;
  try {
    own = await readFile('/proc/self/cgroup', 'utf8');
    mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return { base: null, reason: 'no /proc/self/cgroup (not Linux)' };
  }
  const mounts = parseCgroupMounts(mountinfo);
  const paths = parseOwnCgroups(own);
  const name = `influxdb3-runners-${serverPid}`;
  const reasons: string[] = [];
  const unified = mounts.find((m) => m.fs === 'cgroup2');
  if (unified && paths.has('')) {
    await removeStale(join(unified.mount, paths.get('')!));
    const dir = join(unified.mount, paths.get('')!, name);
    const why = await prepareV2(dir);
    if (!why) return { base: { version: 2, dirs: { unified: dir } }, reason: 'cgroup v2' };
    reasons.push(`v2: ${why}`);
  }
  const dirs: Record<string, string> = {};
  for (const controller of ['memory', 'pids', 'cpu']) {
    const mount = mounts.find((m) => m.fs === 'cgroup' && m.options.includes(controller));
    const path = [...paths.entries()].find(([k]) => k.split(',').includes(controller))?.[1];
    if (!mount || path === undefined) continue;
    const dir = join(mount.mount, path, name);
    await removeStale(join(mount.mount, path));
    try {
      await access(join(mount.mount, path), constants.W_OK);
      await mkdir(dir, { recursive: true });
      dirs[controller] = dir;
    } catch (err) {
      if (controller !== 'cpu') reasons.push(`v1 ${controller}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  if (dirs.memory && dirs.pids) return { base: { version: 1, dirs }, reason: 'cgroup v1' };
  for (const dir of Object.values(dirs)) await rmdir(dir).catch(() => undefined);
  if (!unified && !mounts.some((m) => m.fs === 'cgroup')) reasons.push('no cgroup filesystem mounted');
  else if (!reasons.length) reasons.push('no memory and pids controllers available');
  return { base: null, reason: reasons.join('; ') };
}

// A server killed with SIGKILL cannot remove its runner cgroups: the next one removes those of dead servers (empty
// ones only; rmdir refuses a cgroup that still has processes).
async function removeStale(parent: string): Promise<void> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const entry of entries) {
    const match = /^influxdb3-runners-(\d+)$/.exec(entry);
    if (!match || Number(match[1]) === process.pid || alive(Number(match[1]))) continue;
    const dir = join(parent, entry);
    for (const child of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (child.isDirectory()) await rmdir(join(dir, child.name)).catch(() => undefined);
    }
    await rmdir(dir).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Removes the base directories (after every runner cgroup in them is gone).
export async function removeCgroupBase(base: CgroupBase): Promise<void> {
  for (const dir of Object.values(base.dirs)) await rmdir(dir).catch(() => undefined);
}

async function prepareV2(dir: string): Promise<string | null> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    return `cannot create a cgroup (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  const controllers = (await readFile(join(dir, 'cgroup.controllers'), 'utf8').catch(() => '')).split(/\s+/);
  if (!controllers.includes('memory') || !controllers.includes('pids')) {
    await rmdir(dir).catch(() => undefined);
    return `memory and pids controllers not delegated (have: ${controllers.filter(Boolean).join(' ') || 'none'})`;
  }
  const wanted = ['memory', 'pids', ...(controllers.includes('cpu') ? ['cpu'] : [])];
  try {
    await writeFile(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
  } catch (err) {
    await rmdir(dir).catch(() => undefined);
    return `cannot enable controllers (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  return null;
}

// One runner's cgroup: the spawn wrapper writes the runner's pid into `procsFiles` before bwrap or Python starts, so
// everything the plugin forks is inside, limited and killed together.
export class RunnerCgroup {
  private constructor(
    readonly version: 1 | 2,
    private readonly dirs: Record<string, string>,
    readonly limits: CgroupLimits,
  ) {}

  static async create(base: CgroupBase, id: string, limits: CgroupLimits): Promise<RunnerCgroup> {
    const dirs: Record<string, string> = {};
    for (const [controller, dir] of Object.entries(base.dirs)) {
      dirs[controller] = join(dir, id);
      await mkdir(dirs[controller]!, { recursive: true });
    }
    const cg = new RunnerCgroup(base.version, dirs, limits);
    try {
      await cg.apply();
    } catch (err) {
      await cg.remove();
      throw err;
    }
    return cg;
  }

  get procsFiles(): string[] {
    return Object.values(this.dirs).map((d) => join(d, 'cgroup.procs'));
  }

  // Which limits the kernel enforces for this runner.
  get enforced(): string[] {
    const out: string[] = [];
    if (this.limits.memoryBytes) out.push('memory');
    if (this.limits.maxProcesses > 0) out.push('pids');
    if (this.limits.cpuCores > 0 && (this.version === 2 || this.dirs.cpu)) out.push('cpu');
    return out;
  }

  private async apply(): Promise<void> {
    const { memoryBytes, maxProcesses, cpuCores } = this.limits;
    const quota = cpuCores > 0 ? Math.max(1000, Math.round(cpuCores * CPU_PERIOD_US)) : 0;
    if (this.version === 2) {
      const dir = this.dirs.unified!;
      if (memoryBytes) {
        await writeFile(join(dir, 'memory.max'), String(memoryBytes));
        await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
      }
      if (maxProcesses > 0) await writeFile(join(dir, 'pids.max'), String(maxProcesses));
      if (quota) await writeFile(join(dir, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`).catch(() => undefined);
      return;
    }
    if (memoryBytes) {
      await writeFile(join(this.dirs.memory!, 'memory.limit_in_bytes'), String(memoryBytes));
      await writeFile(join(this.dirs.memory!, 'memory.memsw.limit_in_bytes'), String(memoryBytes)).catch(() => undefined);
    }
    if (maxProcesses > 0) await writeFile(join(this.dirs.pids!, 'pids.max'), String(maxProcesses));
    if (quota && this.dirs.cpu) {
      await writeFile(join(this.dirs.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      await writeFile(join(this.dirs.cpu, 'cpu.cfs_quota_us'), String(quota));
    }
  }

  // SIGKILL to every process inside (cgroup.kill on v2; on v1, each pid listed until none is left).
  async killAll(): Promise<void> {
    if (this.version === 2) {
      const ok = await writeFile(join(this.dirs.unified!, 'cgroup.kill'), '1').then(
        () => true,
        () => false,
      );
      if (ok) return;
    }
    for (let round = 0; round < 100; round++) {
      const pids = await this.pids();
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async pids(): Promise<number[]> {
    const out = new Set<number>();
    for (const file of this.procsFiles) {
      const text = await readFile(file, 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (line.trim()) out.add(Number(line));
    }
    return [...out];
  }

  // How often the kernel's OOM killer killed a process in this runner's cgroup.
  async oomKills(): Promise<number> {
    if (this.version === 2) return counter(await readFile(join(this.dirs.unified!, 'memory.events'), 'utf8').catch(() => ''), 'oom_kill');
    const control = await readFile(join(this.dirs.memory!, 'memory.oom_control'), 'utf8').catch(() => '');
    if (/^oom_kill\s/m.test(control)) return counter(control, 'oom_kill');
    return Number((await readFile(join(this.dirs.memory!, 'memory.failcnt'), 'utf8').catch(() => '0')).trim()) > 0 ? 1 : 0;
  }

  // How often a fork was refused because pids.max was reached.
  async pidsMaxHits(): Promise<number> {
    const dir = this.version === 2 ? this.dirs.unified! : this.dirs.pids!;
    return counter(await readFile(join(dir, 'pids.events'), 'utf8').catch(() => ''), 'max');
  }

  // Kills what is left and removes the directories (a cgroup with processes cannot be removed).
  async remove(): Promise<void> {
    await this.killAll();
    for (const dir of Object.values(this.dirs)) {
      for (let i = 0; i < 50; i++) {
        const done = await rmdir(dir).then(
          () => true,
          (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
        );
        if (done) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
}

function counter(text: string, key: string): number {
  const match = new RegExp(`^${key}\\s+(\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

interface CgroupMount {
  mount: string;
  fs: string;
  options: string[];
}

// /proc/self/mountinfo → cgroup mounts (fs type after the ' - ' separator; super options last).
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const [fs, , superOptions = ''] = right.split(' ');
    if (fs !== 'cgroup' && fs !== 'cgroup2') continue;
    const mount = left.split(' ')[4];
    if (mount) out.push({ mount: mount.replace(/\\040/g, ' '), fs, options: superOptions.split(',') });
  }
  return out;
}

// /proc/self/cgroup → controller list ('' for v2) → path.
export function parseOwnCgroups(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (match) out.set(match[1]!, match[2]!);
  }
  return out;
}
