import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { PluginLogEntry, PluginLogLevel } from './plugin-log-entry.js';

const FILE_NAME = 'plugin-logs.jsonl';
const LEVELS: ReadonlySet<string> = new Set<PluginLogLevel>(['INFO', 'WARN', 'ERROR']);

// What a start found on disk: the newest entries (oldest first), how many lines the file holds and whether it must
// be rewritten before appending (a torn or corrupt line, a missing final newline).
export interface LoadedPluginLogs {
  entries: PluginLogEntry[];
  lines: number;
  skipped: number;
  needsRewrite: boolean;
}

// One JSON object per line; event_time as a decimal string because JSON has no 64-bit integers.
export function encodeLogLine(e: PluginLogEntry): string {
  return `${JSON.stringify({
    event_time: e.event_time.toString(),
    database: e.database,
    trigger_name: e.trigger_name,
    log_level: e.log_level,
    log_text: e.log_text,
  })}\n`;
}

// The entry a line holds, or undefined when the line is torn or not ours.
export function decodeLogLine(line: string): PluginLogEntry | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.event_time !== 'string' || !/^-?\d+$/.test(r.event_time)) return undefined;
  if (typeof r.database !== 'string' || typeof r.trigger_name !== 'string' || typeof r.log_text !== 'string') return undefined;
  if (typeof r.log_level !== 'string' || !LEVELS.has(r.log_level)) return undefined;
  return {
    event_time: BigInt(r.event_time),
    database: r.database,
    trigger_name: r.trigger_name,
    log_level: r.log_level as PluginLogLevel,
    log_text: r.log_text,
  };
}

// The bytes of the persistent plugin log: one append-only JSON-lines file, replaced atomically when compacted.
// It knows nothing of batching or bounds; PluginLogStore decides when to append and when to rewrite.
export class PluginLogFile {
  private handle: FileHandle | null = null;

  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, FILE_NAME);
  }

  // Reads the newest `capacity` readable entries; a missing file is an empty log.
  async load(capacity: number): Promise<LoadedPluginLogs> {
    await mkdir(this.dir, { recursive: true });
    await rm(this.tmpPath, { force: true });
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], lines: 0, skipped: 0, needsRewrite: false };
      throw err;
    }
    const lines = text.split('\n');
    // '' when the file ends with a newline; otherwise the last write was torn (or cut just before its newline).
    const last = lines.pop()!;
    const complete = last === '';
    if (!complete) lines.push(last);
    const entries: PluginLogEntry[] = [];
    let skipped = 0;
    for (const line of lines) {
      const entry = decodeLogLine(line);
      if (entry) entries.push(entry);
      else skipped++;
    }
    const kept = entries.length > capacity ? entries.slice(entries.length - capacity) : entries;
    return { entries: kept, lines: lines.length, skipped, needsRewrite: skipped > 0 || !complete };
  }

  // Opens the file for appending (creating it); load() or rewrite() must have left it well formed.
  async openAppend(): Promise<void> {
    if (this.handle) return;
    await mkdir(this.dir, { recursive: true });
    this.handle = await open(this.path, 'a');
  }

  // One write and one datasync for a whole batch of lines.
  async append(text: string): Promise<void> {
    if (!this.handle) await this.openAppend();
    await this.handle!.write(text);
    await this.handle!.datasync();
  }

  // Replaces the file with exactly these lines: temporary file, fsync, rename, fsync of the directory.
  async rewrite(lines: string[]): Promise<void> {
    await this.close();
    await mkdir(this.dir, { recursive: true });
    const tmp = await open(this.tmpPath, 'w');
    try {
      await tmp.write(lines.join(''));
      await tmp.sync();
    } finally {
      await tmp.close();
    }
    await rename(this.tmpPath, this.path);
    await syncDir(this.dir);
    await this.openAppend();
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    await h?.close();
  }

  private get tmpPath(): string {
    return `${this.path}.tmp`;
  }
}

// Makes a rename durable; best effort (some filesystems refuse to fsync a directory).
async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // durability of the rename is a nicety for log lines
  } finally {
    await h?.close().catch(() => undefined);
  }
}
