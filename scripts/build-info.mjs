// Records the commit being built in <outDir>/build-info.json (default dist/), for `influxdb3 --version` and /ping
// in installs that have no .git. INFLUXDB3_GIT_HASH overrides (builds from a source tarball).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'dist'));

function revision() {
  const fromEnv = process.env.INFLUXDB3_GIT_HASH?.trim();
  if (fromEnv) {
    if (!/^[0-9a-f]{7,40}$/.test(fromEnv)) throw new Error(`INFLUXDB3_GIT_HASH '${fromEnv}' is not a git commit hash (7 to 40 hex digits)`);
    return fromEnv;
  }
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    process.stderr.write('build-info: not a git checkout and INFLUXDB3_GIT_HASH is unset: the revision is recorded as "unknown"\n');
    return 'unknown';
  }
}

try {
  const rev = revision();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'build-info.json'), `${JSON.stringify({ revision: rev })}\n`);
} catch (err) {
  process.stderr.write(`build-info: ${err.message}\n`);
  process.exit(1);
}
