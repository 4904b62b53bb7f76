import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { packageVersion } from './version.js';

// The commit the running code was built from. `npm run build` records it in dist/build-info.json
// (scripts/build-info.mjs), so a packaged install, which has no .git, still knows it; running from src/
// (tsx, tests) asks git. `unknown` when neither can tell.
let cached: string | undefined;

export function gitRevision(): string {
  if (cached !== undefined) return cached;
  const here = dirname(fileURLToPath(import.meta.url));
  try {
    const info = JSON.parse(readFileSync(join(here, '..', 'build-info.json'), 'utf8')) as { revision?: unknown };
    if (typeof info.revision === 'string' && info.revision) return (cached = info.revision);
  } catch {
    // not a build: src/ under tsx
  }
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: join(here, '..', '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (/^[0-9a-f]{40}$/.test(sha)) return (cached = sha);
  } catch {
    // no git here
  }
  return (cached = 'unknown');
}

// Upstream's version line without the program name: `<version>, revision <git sha>`.
export function versionString(): string {
  return `${packageVersion()}, revision ${gitRevision()}`;
}
