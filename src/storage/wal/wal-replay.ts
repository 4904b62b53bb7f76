import { open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { Logger } from '../../shared/logger.js';
import { scanSegment, type SegmentScan } from './record-format.js';
import { fsyncDirectory, listSegments, type SegmentFile } from './segment-files.js';

// One acknowledged append, as replay hands it back.
export interface WalRecord {
  seq: bigint;
  payload: Buffer;
}

// Mid-log corruption is rare and loses acknowledged writes, so the caller gets the facts, not just a log line.
export interface ReplayCorruption {
  file: string;
  offset: number;
  reason: string;
  droppedBytes: number;
  droppedSegments: string[];
}

// What open() returns: every trusted record in seq order, plus what was cut away to get there.
export interface ReplayResult {
  records: WalRecord[];
  // Highest seq the log has ever handed out (0n for a new log); the next append gets lastSeq + 1n.
  lastSeq: bigint;
  truncatedBytes: number;
  corruption: ReplayCorruption | null;
}

// A surviving segment with what the writer needs to decide whether to keep appending to it.
export interface LiveSegment {
  file: SegmentFile;
  bytes: number;
  lastSeq: bigint | null;
}

// Replay output for the WAL itself: the result plus the segment list it keeps for rotation and truncation.
export interface ReplayOutcome {
  result: ReplayResult;
  segments: LiveSegment[];
}

interface Context {
  dir: string;
  log: Logger;
  sync: boolean;
}

// A torn tail is the normal residue of a crash and is cut away; damage before the tail stops replay right there.
export async function replaySegments(dir: string, log: Logger, sync: boolean): Promise<ReplayOutcome> {
  const ctx: Context = { dir, log, sync };
  const files = await listSegments(dir);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f.path)).size));
  let lastNonEmpty = sizes.length - 1;
  while (lastNonEmpty >= 0 && sizes[lastNonEmpty] === 0) lastNonEmpty--;
  const records: WalRecord[] = [];
  const live: LiveSegment[] = [];
  const staleEmpty: SegmentFile[] = [];
  let highest = 0n;
  let prevLast: bigint | null = null;
  let truncatedBytes = 0;
  let corruption: ReplayCorruption | null = null;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    if (file.firstSeq - 1n > highest) highest = file.firstSeq - 1n;
    if (sizes[i] === 0) {
      // An empty segment only records that seqs below its name were handed out; keep it only as the tail.
      if (i === files.length - 1 && (prevLast === null || file.firstSeq > prevLast)) {
        live.push({ file, bytes: 0, lastSeq: null });
      } else staleEmpty.push(file);
      continue;
    }
    const buf = await readFile(file.path);
    const scan: SegmentScan =
      prevLast !== null && file.firstSeq <= prevLast ? misplaced(file, prevLast) : scanSegment(buf, file.firstSeq);
    for (const r of scan.records) records.push(r);
    const lastSeq: bigint | null = scan.records.at(-1)?.seq ?? null;
    if (lastSeq !== null) {
      prevLast = lastSeq;
      if (lastSeq > highest) highest = lastSeq;
    }
    live.push({ file, bytes: scan.validBytes, lastSeq });
    if (scan.problem === null) continue;
    if (i >= lastNonEmpty) {
      truncatedBytes += await truncateTornTail(ctx, file, buf.length, scan);
      continue;
    }
    const dropped = await dropRest(ctx, file, buf, scan, files.slice(i + 1));
    if (dropped.highest > highest) highest = dropped.highest;
    corruption = dropped.corruption;
    break;
  }
  if (staleEmpty.length > 0) await removeStaleEmpty(ctx, staleEmpty);
  return { result: { records, lastSeq: highest, truncatedBytes, corruption }, segments: live };
}

function misplaced(file: SegmentFile, prevLast: bigint): SegmentScan {
  const reason = `segment starts at seq ${file.firstSeq}, not after seq ${prevLast} of the previous segment`;
  return { records: [], validBytes: 0, problem: { offset: 0, reason } };
}

async function truncateFile(path: string, length: number, sync: boolean): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(length);
    if (sync) await handle.sync();
  } finally {
    await handle.close();
  }
}

async function truncateTornTail(ctx: Context, file: SegmentFile, size: number, scan: SegmentScan): Promise<number> {
  const { offset, reason } = scan.problem!;
  const cut = size - offset;
  await truncateFile(file.path, offset, ctx.sync);
  ctx.log.warn(
    { file: file.path, offset, reason, truncatedBytes: cut },
    `wal tail of '${file.path}' is torn or corrupt at offset ${offset} (${reason}): truncated ${cut} bytes`,
  );
  return cut;
}

async function dropRest(
  ctx: Context,
  file: SegmentFile,
  buf: Buffer,
  scan: SegmentScan,
  later: SegmentFile[],
): Promise<{ highest: bigint; corruption: ReplayCorruption }> {
  const { offset, reason } = scan.problem!;
  // Nothing is deleted: the damaged bytes and later segments are moved aside as `*.dropped` for forensics.
  await writeFile(`${file.path}.dropped`, buf.subarray(offset), { mode: 0o600 });
  await truncateFile(file.path, offset, ctx.sync);
  let droppedBytes = buf.length - offset;
  let highest = 0n;
  for (const f of later) {
    // Seqs seen past the damage may already have reached consumers, so new appends must not reuse them.
    const bytes = await readFile(f.path);
    const seen = scanSegment(bytes, f.firstSeq).records.at(-1)?.seq ?? f.firstSeq - 1n;
    if (seen > highest) highest = seen;
    droppedBytes += bytes.length;
    await rename(f.path, `${f.path}.dropped`);
  }
  if (ctx.sync) await fsyncDirectory(ctx.dir);
  const droppedSegments = later.map((f) => f.name);
  ctx.log.error(
    { file: file.path, offset, reason, droppedBytes, droppedSegments },
    `wal corrupt in the middle of the log at '${file.path}' offset ${offset} (${reason}): replay stopped there; ` +
      `${droppedBytes} bytes and ${later.length} later segment(s) dropped and moved aside as *.dropped`,
  );
  return { highest, corruption: { file: file.path, offset, reason, droppedBytes, droppedSegments } };
}

async function removeStaleEmpty(ctx: Context, files: SegmentFile[]): Promise<void> {
  for (const f of files) await unlink(f.path);
  if (ctx.sync) await fsyncDirectory(ctx.dir);
  ctx.log.debug({ files: files.map((f) => f.name) }, 'wal removed empty segments');
}
