// Adds up the JSON summaries the test runners wrote (mocha reporter, Python runner, package test) in a directory,
// repeats every failure at the end, and prints `N passed, N failed, N skipped` on its own line.
// Usage: node scripts/test-summary.mjs DIR [extra-failed]; exits 1 when anything failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function summarize(dir, extraFailed = 0) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  for (const name of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : []) {
    const s = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    passed += s.passed ?? 0;
    failed += s.failed ?? 0;
    skipped += s.skipped ?? 0;
    failures.push(...(s.failures ?? []));
  }
  for (const f of failures) console.log(`FAILED: ${f.title}${f.file ? ` (${f.file})` : ''}\n${f.message}\n`);
  // A runner that failed without a summary (it crashed) still counts as a failure.
  if (failed === 0 && extraFailed > 0) failed = extraFailed;
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ok = summarize(process.argv[2] ?? '.', Number(process.argv[3] ?? 0));
  process.exit(ok ? 0 : 1);
}
