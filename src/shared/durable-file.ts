import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

// Replaces `file` with `text` so that a crash leaves the old file or the new one, never a torn one:
// write-fsync-rename of `<file>.tmp`, mode 0600, in a directory made 0700 if missing.
export async function writeFileDurably(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}
