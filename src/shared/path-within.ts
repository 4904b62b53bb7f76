import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';

// A path as the kernel will resolve it: absolute, symlinks of its existing part followed, the rest appended. Two
// names for one directory (a symlink, `..`, a trailing slash) give the same answer, whether or not it exists yet.
export function canonicalPath(path: string): string {
  let head = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return resolve(path);
      rest.push(basename(head));
      head = parent;
    }
  }
}

// True when `inner` is `outer` or lies below it (both canonical or both lexical; no resolution here).
export function isWithin(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
