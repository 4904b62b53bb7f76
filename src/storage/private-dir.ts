import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// The data dir and what we create in it hold the catalog (token hashes), WAL and DuckDB files: levels created here
// are 0700 whatever the umask (an existing directory is the operator's choice and is left alone).
export function mkdirPrivate(dir: string): void {
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created === undefined) return;
  for (let d = resolve(dir); ; d = dirname(d)) {
    chmodSync(d, 0o700);
    if (d === resolve(created) || dirname(d) === d) break;
  }
}
