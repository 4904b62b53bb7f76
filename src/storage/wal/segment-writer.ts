import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { WAL_FILE_MODE, fsyncDirectory, segmentFileName, type SegmentFile } from './segment-files.js';

// The one open segment: appends whole groups with writev and makes them durable with fdatasync.
export class SegmentWriter {
  private closed = false;

  private constructor(
    readonly file: SegmentFile,
    private readonly handle: FileHandle,
    public bytes: number,
  ) {}

  // A fresh segment must not clobber an existing file, and its directory entry must be durable before acks.
  static async create(dir: string, firstSeq: bigint, sync: boolean): Promise<SegmentWriter> {
    const name = segmentFileName(firstSeq);
    const file: SegmentFile = { firstSeq, name, path: join(dir, name) };
    const handle = await open(file.path, 'wx', WAL_FILE_MODE);
    try {
      await handle.chmod(WAL_FILE_MODE);
      if (sync) {
        await handle.sync();
        await fsyncDirectory(dir);
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new SegmentWriter(file, handle, 0);
  }

  // Reopening keeps the log from growing a new tiny segment on every restart.
  static async resume(file: SegmentFile, bytes: number): Promise<SegmentWriter> {
    return new SegmentWriter(file, await open(file.path, 'a'), bytes);
  }

  // libuv loops over short writes and IOV_MAX itself; a short count here means the disk refused the rest.
  async writev(buffers: Buffer[], total: number): Promise<void> {
    const { bytesWritten } = await this.handle.writev(buffers);
    this.bytes += bytesWritten;
    if (bytesWritten !== total) throw new Error(`short write to '${this.file.path}': ${bytesWritten} of ${total} bytes`);
  }

  // fdatasync: the segment's size changes are data-integrity metadata, so this is enough for replay.
  async datasync(): Promise<void> {
    await this.handle.datasync();
  }

  // Idempotent so failure paths and close() can both call it.
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
