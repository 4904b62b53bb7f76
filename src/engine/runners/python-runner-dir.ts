import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

// The repository's python-runner/ directory (what goes on the child's PYTHONPATH). Found by walking up from this
// file, so it works from dist/engine/runners (node) and from src/engine/runners (tsx) alike.
export function pythonRunnerDir(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'python-runner');
    if (existsSync(join(candidate, 'plugin_runner', '__main__.py'))) return (cached = candidate);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`python-runner/plugin_runner not found above ${dirname(fileURLToPath(import.meta.url))}; the installation is incomplete`);
}
