// `npm test`: every mocha test, then the Python runner's tests and mypy, then one summary line
// (`N passed, N failed, N skipped`, the line .ci/run ends with). TEST_SUMMARY_DIR, when set, collects the summaries
// (.ci/run adds the package test to them); otherwise a temporary directory does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize } from './test-summary.mjs';

const own = process.env.TEST_SUMMARY_DIR === undefined;
const dir = process.env.TEST_SUMMARY_DIR ?? mkdtempSync(join(tmpdir(), 'influxdb3-test-summary-'));
const env = { ...process.env, TEST_SUMMARY_DIR: dir };
const root = new URL('..', import.meta.url).pathname;
const run = (command, args) => spawnSync(command, args, { cwd: root, env, stdio: 'inherit' }).status ?? 1;

// `npm test -- FILES…` runs only those mocha files (the Python tests still run).
const files = process.argv.slice(2);
const mocha = run(process.execPath, [join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), ...(files.length > 0 ? files : ['test/**/*.test.ts', 'console/test/**/*.test.ts'])]);
const python = run(process.execPath, [join(root, 'scripts', 'run-python-tests.mjs')]);
// With .ci/run the summary line comes from it (after the package test); alone, from here.
const ok = own ? summarize(dir, mocha !== 0 || python !== 0 ? 1 : 0) : mocha === 0 && python === 0;
if (own) rmSync(dir, { recursive: true, force: true });
process.exit(ok && mocha === 0 && python === 0 ? 0 : 1);
