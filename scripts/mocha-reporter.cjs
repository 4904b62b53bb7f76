// Mocha's spec reporter, plus a JSON summary file (TEST_SUMMARY_DIR) that .ci/run adds up.
const Mocha = require('mocha');
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const dir = process.env.TEST_SUMMARY_DIR;
      if (!dir) return;
      fs.mkdirSync(dir, { recursive: true });
      const s = this.stats;
      fs.writeFileSync(
        path.join(dir, 'mocha.json'),
        JSON.stringify({ passed: s.passes, failed: s.failures, skipped: s.pending }),
      );
    });
  }
}
module.exports = SummaryReporter;
