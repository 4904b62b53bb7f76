// Runs python-runner/tests with unittest under a Python that has msgpack, then `mypy --strict` on plugin_runner
// (python-runner/pyproject.toml), counted as one more test; writes a summary for .ci/run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findPython } from './find-python.mjs';

const root = new URL('..', import.meta.url).pathname;
const runnerDir = join(root, 'python-runner');
const testsDir = join(runnerDir, 'tests');
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
const r = spawnSync(python, ['-m', 'unittest', 'discover', '-s', 'tests'], {
  cwd: runnerDir,
  encoding: 'utf8',
  env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
});
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
const out = `${r.stdout}\n${r.stderr}`;
const ran = Number(/Ran (\d+) tests?/.exec(out)?.[1] ?? 0);
const failures = Number(/failures=(\d+)/.exec(out)?.[1] ?? 0) + Number(/errors=(\d+)/.exec(out)?.[1] ?? 0);
const skipped = Number(/skipped=(\d+)/.exec(out)?.[1] ?? 0);
const unittestFailed = r.status === 0 ? failures : Math.max(failures, 1);

const typecheck = runMypy();
console.log(typecheck.ok ? 'mypy --strict plugin_runner: ok' : `mypy --strict plugin_runner: FAILED\n${typecheck.message}`);

if (summaryDir) {
  mkdirSync(summaryDir, { recursive: true });
  const summary = {
    passed: ran - failures - skipped + (typecheck.ok ? 1 : 0),
    failed: unittestFailed + (typecheck.ok ? 0 : 1),
    skipped,
    failures: typecheck.ok ? [] : [{ title: 'mypy --strict plugin_runner', file: 'python-runner/pyproject.toml', message: typecheck.message }],
  };
  writeFileSync(join(summaryDir, 'python.json'), JSON.stringify(summary));
}
process.exit(r.status === 0 && typecheck.ok ? 0 : (r.status || 1));

// mypy with the settings of python-runner/pyproject.toml (strict on plugin_runner): `mypy` on PATH, else the module
// under the test Python. Its absence is a failure that says how to install it.
function runMypy() {
  const attempts = [['mypy', []], [python, ['-m', 'mypy']]];
  for (const [command, prefix] of attempts) {
    const m = spawnSync(command, [...prefix, '--config-file', 'pyproject.toml'], { cwd: runnerDir, encoding: 'utf8' });
    if (m.error?.code === 'ENOENT' || /No module named mypy/.test(m.stderr ?? '')) continue;
    const text = `${m.stdout ?? ''}${m.stderr ?? ''}`.trim();
    return { ok: m.status === 0, message: text || `mypy exited with ${m.status ?? m.signal}` };
  }
  return { ok: false, message: 'mypy is not installed; install it with: apt-get install -y mypy' };
}
