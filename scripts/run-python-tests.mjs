// Runs python-runner/tests with unittest under a Python that has msgpack; writes a summary for .ci/run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findPython } from './find-python.mjs';

const root = new URL('..', import.meta.url).pathname;
const testsDir = join(root, 'python-runner', 'tests');
const summaryDir = process.env.TEST_SUMMARY_DIR;
const hasTests = existsSync(testsDir) && readdirSync(testsDir).some((f) => /^test_.*\.py$/.test(f));
if (!hasTests) {
  console.log('python-runner: no tests yet');
  process.exit(0);
}
const python = findPython();
if (!python) {
  console.error('no Python >= 3.10 with msgpack found; install it with: apt-get install -y python3 python3-msgpack python3-venv');
  process.exit(1);
}
const r = spawnSync(python, ['-m', 'unittest', 'discover', '-s', 'tests', '-v'], {
  cwd: join(root, 'python-runner'),
  encoding: 'utf8',
  env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
});
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
const out = `${r.stdout}\n${r.stderr}`;
const ran = Number(/Ran (\d+) tests?/.exec(out)?.[1] ?? 0);
const failures = Number(/failures=(\d+)/.exec(out)?.[1] ?? 0) + Number(/errors=(\d+)/.exec(out)?.[1] ?? 0);
const skipped = Number(/skipped=(\d+)/.exec(out)?.[1] ?? 0);
if (summaryDir) {
  mkdirSync(summaryDir, { recursive: true });
  writeFileSync(join(summaryDir, 'python.json'), JSON.stringify({ passed: ran - failures - skipped, failed: r.status === 0 ? failures : Math.max(failures, 1), skipped }));
}
process.exit(r.status ?? 1);
