import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/shared/logger.js';
import { WriteAheadLog, type WriteAheadLogOptions } from '../../../src/storage/wal/write-ahead-log.js';

// A parsed pino line; tests look at level, msg and the structured fields.
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

// Tests assert on WARN/ERROR lines, so they need the logger's output as data.
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

// pino's numeric levels.
export const WARN = 40;
export const ERROR = 50;

// Every test gets its own real directory, removed afterwards.
export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'wal-test-'));
}

// Cleanup must not fail a test that already failed for a better reason.
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

// Segment names in log order.
export async function segmentNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^wal-\d{20}\.log$/.test(n)).sort();
}

// A WAL wired to a capturing logger, opened, with its replay result.
export async function openWal(
  dir: string,
  extra: Partial<WriteAheadLogOptions> = {},
): Promise<{ wal: WriteAheadLog; lines: LogLine[]; replay: Awaited<ReturnType<WriteAheadLog['open']>> }> {
  const { logger, lines } = captureLogger();
  const wal = new WriteAheadLog({ dir, logger, ...extra });
  const replay = await wal.open();
  return { wal, lines, replay };
}

// Deterministic payloads so a replayed record can be checked against its seq.
export function payloadFor(i: number, size = 32): Buffer {
  const buf = Buffer.alloc(size);
  for (let k = 0; k < size; k++) buf[k] = (i * 31 + k * 7) & 0xff;
  buf.write(`rec-${i}`, 0, 'latin1');
  return buf;
}
