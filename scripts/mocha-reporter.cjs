// Mocha's spec reporter, plus a JSON summary file (TEST_SUMMARY_DIR) that .ci/run adds up. The summary carries each
// failure's title and message so .ci/run can repeat them at the very end of its output, where a reader of the tail
// sees them.
const Mocha = require('mocha');
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failures = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => {
      failures.push({
        title: test.fullTitle(),
        file: test.file ? path.relative(process.cwd(), test.file) : undefined,
        message: String((err && (err.stack || err.message)) || err).split('\n').slice(0, 12).join('\n'),
      });
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const dir = process.env.TEST_SUMMARY_DIR;
      if (!dir) return;
      fs.mkdirSync(dir, { recursive: true });
      const s = this.stats;
      fs.writeFileSync(
        path.join(dir, 'mocha.json'),
        JSON.stringify({ passed: s.passes, failed: s.failures, skipped: s.pending, failures }),
      );
    });
  }
}
module.exports = SummaryReporter;
