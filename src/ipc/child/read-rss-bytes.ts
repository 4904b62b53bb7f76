import { readFile, readdir } from 'node:fs/promises';

// Most processes walked per sample: a fork bomb must not turn the sampler into one.
const MAX_PROCESSES = 4096;

// Memory limits are enforced from the host by sampling the resident memory of the runner's whole process tree: the
// spawned pid may be a sandbox wrapper (bwrap) whose Python runs below it, and plugins may fork. Children are found
// through /proc/<pid>/task/<tid>/children. A tree of several processes is summed by proportional set size (Pss,
// /proc/<pid>/smaps_rollup): pages that forked children share with the runner count once, not once per child, so a
// plugin that forks workers is not killed for memory it does not use. A lone process reports its VmRSS. Resolves
// undefined when the process is gone or /proc is not there (not Linux).
export async function readRssBytes(pid: number): Promise<number | undefined> {
  const tree = [pid];
  const queue = await childrenOf(pid);
  while (queue.length > 0 && tree.length < MAX_PROCESSES) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(await childrenOf(next)));
  }
  if (tree.length === 1) return residentOf(pid, 'status', VM_RSS);
  const own = await residentOf(pid, 'smaps_rollup', PSS);
  if (own === undefined) return residentOf(pid, 'status', VM_RSS);
  let total = own;
  for (const child of tree.slice(1)) total += (await residentOf(child, 'smaps_rollup', PSS)) ?? 0;
  return total;
}

const VM_RSS = /^VmRSS:\s+(\d+)\s+kB$/m;
const PSS = /^Pss:\s+(\d+)\s+kB$/m;

async function residentOf(pid: number, file: 'status' | 'smaps_rollup', line: RegExp): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
  const match = line.exec(text);
  // Kernel threads and zombies have no such line.
  return match ? Number(match[1]) * 1024 : 0;
}

// Children of every thread of `pid` (a child belongs to the thread that forked it).
async function childrenOf(pid: number): Promise<number[]> {
  let tids: string[];
  try {
    tids = await readdir(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    const text = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
    for (const item of text.split(' ')) if (item.trim()) out.push(Number(item));
  }
  return out;
}
