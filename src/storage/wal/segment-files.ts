import { chmod, mkdir, open, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

const SEGMENT_NAME = /^wal-(\d{20})\.log$/;

// A segment on disk, named after the seq of its first record so the directory listing is the log order.
export interface SegmentFile {
  firstSeq: bigint;
  name: string;
  path: string;
}

// 20 digits holds any u64, so names sort lexically in seq order too.
export function segmentFileName(firstSeq: bigint): string {
  return `wal-${firstSeq.toString().padStart(20, '0')}.log`;
}

// Anything else in the directory (moved-aside `.dropped` files, editor droppings) is not part of the log.
export function parseSegmentFileName(name: string): bigint | null {
  const m = SEGMENT_NAME.exec(name);
  return m ? BigInt(m[1]!) : null;
}

// Replay and truncation both need the segments in seq order.
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    const firstSeq = parseSegmentFileName(name);
    if (firstSeq !== null) segments.push({ firstSeq, name, path: join(dir, name) });
  }
  return segments.sort((a, b) => (a.firstSeq < b.firstSeq ? -1 : a.firstSeq > b.firstSeq ? 1 : 0));
}

// Creating, renaming or unlinking a segment is only durable once the directory itself is fsynced.
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// WAL segments and their directory are the server's alone, whatever the umask.
export const WAL_FILE_MODE = 0o600;
export const WAL_DIR_MODE = 0o700;

// A freshly created WAL directory can vanish in a crash unless every new level's parent is fsynced too. Levels it
// creates are 0700 (mkdir's mode is masked by the umask, hence the chmod).
export async function ensureDirectory(dir: string, sync: boolean): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: WAL_DIR_MODE });
  if (created === undefined) return;
  for (let d = resolve(dir); ; d = dirname(d)) {
    await chmod(d, WAL_DIR_MODE);
    if (d === resolve(created) || dirname(d) === d) break;
  }
  if (!sync) return;
  const top = resolve(created);
  for (let d = resolve(dir); ; d = dirname(d)) {
    await fsyncDirectory(dirname(d));
    if (d === top || dirname(d) === d) break;
  }
}
