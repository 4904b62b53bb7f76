import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../helpers/server-process.js';

// Every tracked file (README, docs, src comments, plugins, packaging, tests) is something users can read; none may
// point them at documents they do not have: the project's private notes, their numbered sections, scenarios or
// issues. Upstream's issues are cited by URL (github.com/influxdata/influxdb/issues/N), which stays allowed.
const FORBIDDEN: Array<[string, RegExp]> = [
  ['a path into the private notes', /(?:\.\.\/)+shared\/(?!app-error|logger|clock|duration|[\w-]+\.js)[\w./-]+|\bshared\/(?:design|reference)\b|influxdb3-compat\.md/i],
  ['a numbered section of the reference', /\breference\s*§/i],
  ['a numbered scenario', /\bscenarios?\s+#?\d+/i],
  ['a numbered issue', /(?<![/\w])issues?\s+#?\d+/i],
];
const THIS_FILE = relative(ROOT, fileURLToPath(import.meta.url));

// The repository's files: git's list, or (a copy without .git) every file outside build output and dependencies.
function repositoryFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\0').filter((f) => f !== '');
  } catch {
    return readdirSync(ROOT, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(ROOT, join(e.parentPath, e.name)))
      .filter((f) => !/^(node_modules|dist|tmp|data|\.git)\//.test(f) && !f.includes('/.venv/') && !f.includes('__pycache__'));
  }
}

export function privateReferences(path: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, n) => {
    for (const [what, re] of FORBIDDEN) {
      const m = re.exec(line);
      if (m) found.push(`${path}:${n + 1}: ${what}: ${JSON.stringify(m[0])}`);
    }
  });
  return found;
}

describe('docs: nothing refers to files users do not have', () => {
  it('finds each kind of reference (and leaves code imports alone)', () => {
    const text = [
      'see ../shared/reference/influxdb3-compat.md',
      'Reference §11 scenario 7, verbatim',
      "// Issue 5's policy",
      "import { AppError } from '../shared/app-error.js';",
      'upstream bug https://github.com/influxdata/influxdb/issues/25001',
    ].join('\n');
    expect(privateReferences('x.md', text)).to.deep.equal([
      'x.md:1: a path into the private notes: "../shared/reference/influxdb3-compat.md"',
      'x.md:2: a numbered section of the reference: "Reference §"',
      'x.md:2: a numbered scenario: "scenario 7"',
      'x.md:3: a numbered issue: "Issue 5"',
    ]);
  });

  it('README.md, docs/, src/ and every other tracked text file are free of them', () => {
    const files = repositoryFiles()
      .filter((f) => f !== THIS_FILE && f !== 'package-lock.json' && !/\.(png|jpe?g|gif|ico|parquet|gz|xz|deb|rpm|duckdb)$/.test(f));
    expect(files, 'tracked files').to.include.members(['README.md', 'docs/auth.md', 'src/main.ts']);
    const found = files.flatMap((f) => {
      let text: string;
      try {
        text = readFileSync(join(ROOT, f), 'utf8');
      } catch {
        return []; // listed by git but not in this checkout (a deletion not committed yet)
      }
      return text.includes('\0') ? [] : privateReferences(f, text);
    });
    expect(found, found.join('\n')).to.deep.equal([]);
  });
});
