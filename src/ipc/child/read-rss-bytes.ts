import { readFile } from 'node:fs/promises';

// Memory limits are enforced from the host by sampling the child's resident set, which Linux reports per pid.
// Resolves undefined when the process is gone or /proc is not there (not Linux).
export async function readRssBytes(pid: number): Promise<number | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}
