import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { cruise, type IConfiguration, type ICruiseResult, type IViolation } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/architecture', import.meta.url));
const config = require('../../.dependency-cruiser.cjs') as IConfiguration;

// Cruises `src` under `baseDir` with the repository's rules; paths in the result are relative to baseDir.
async function cruiseWithRules(baseDir: string): Promise<ICruiseResult> {
  const { output } = await cruise(['src'], {
    ...config.options,
    tsConfig: { fileName: join(ROOT, 'tsconfig.json') },
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden ?? [] },
  });
  if (typeof output === 'string') throw new Error(`dependency-cruiser returned text: ${output}`);
  return output;
}

function describeViolation(v: IViolation): string {
  const via = v.cycle?.length ? ` (cycle: ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')})` : '';
  return `${v.rule.name}: ${v.from} → ${v.to}${via}`;
}

describe('architecture: import rules (.dependency-cruiser.cjs)', function () {
  this.timeout(60_000);

  it('src/ follows the layering (no violation of any rule)', async () => {
    const result = await cruiseWithRules(ROOT);
    expect(result.summary.totalCruised, 'modules cruised').to.be.greaterThan(100);
    const errors = result.summary.violations.filter((v) => v.rule.severity === 'error');
    const listing = errors.map(describeViolation).join('\n  ');
    expect(errors.length, `import rule violations:\n  ${listing}\n`).to.equal(0);
  });

  it('the rules catch an engine → http import and a cycle', async () => {
    const result = await cruiseWithRules(FIXTURE);
    const found = result.summary.violations.map(describeViolation);
    const byRule = (name: string) => result.summary.violations.filter((v) => v.rule.name === name);
    expect(byRule('engine-not-to-edges').map((v) => `${v.from} → ${v.to}`), found.join('\n')).to.deep.equal([
      'src/engine/engine-routes.ts → src/http/route.ts',
    ]);
    expect(byRule('http-imported-only-by-the-root').map((v) => v.from), found.join('\n')).to.include('src/engine/engine-routes.ts');
    const cycles = byRule('no-circular').map((v) => [v.from, ...(v.cycle ?? []).map((c) => c.name)].join(' → '));
    expect(cycles, found.join('\n')).to.have.length(1);
    expect(cycles[0], found.join('\n')).to.match(/^src\/storage\/cycle-[ab]\.ts → src\/storage\/cycle-[ab]\.ts → src\/storage\/cycle-[ab]\.ts$/);
  });
});
