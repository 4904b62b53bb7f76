// The shell examples of README.md and docs/*.md, and how their printed output is compared.
//
// Conventions in the markdown (README.md says the same to contributors):
// - Every ```sh block is an example the docs test runs, top to bottom, in one shell session per page and server.
// - A ```text block right after it (blank lines between are allowed) is what the block prints: stdout and stderr
//   together, as a terminal shows them. An ```sh block with no ```text block after it must print nothing.
// - `<!-- not-run: reason -->` right before an ```sh block skips it (a server of its own, systemctl, a package
//   install, …); the test counts and lists what it skipped.
// - `<!-- test-server: npm run start:auth -->` before a block runs it, and the blocks after it on that page, against
//   a server started as `npm run start:auth` does (authentication on); `<!-- test-server: npm start -->` goes back
//   to the page's server without authentication (as `npm start`), data and all.
// - Shell examples are always fenced as `sh`; `bash`, `shell`, `console` and `zsh` fences are refused, so that no
//   command escapes the test by its fence.
//
// Placeholders in a ```text block, each matching only what varies from run to run:
//   <time>      an RFC 3339 / ISO 8601 timestamp, e.g. 2026-12-07T17:31:18.836088073 or 2026-12-07T17:31:18Z
//   <duration>  a duration as the CLI prints one, e.g. 502ms, 1s 230ms or 12ms 679us 937ns
//   <rate>      a throughput figure, e.g. 1.99 or 3.25KiB
//   <hash>      a hex content hash (8 or more hex digits), e.g. a plugin version
//   <bytes>     a byte count (digits)
//   <ns>        a nanosecond Unix timestamp (19 digits), e.g. a catalog change's time_ns
//   apiv3_…     a token (apiv3_ and at least 16 base64url characters). In an ```sh block, apiv3_… stands for the
//               last token the page printed, as a reader would paste it.
// A placeholder followed by spaces also takes the spaces after the value, so tables stay aligned in the markdown.
// In a table (`pretty` output: `+---+` borders, `| a | b |` rows) the columns are as wide as their widest value,
// which a placeholder's value changes: table lines are compared cell by cell (trimmed) and borders by their number
// of columns. Every other line is compared character for character.
// Example hosts `http://127.0.0.1:8181` and `http://localhost:8181` are pointed at the test's server.

export interface DocExample {
  file: string;
  line: number; // 1-based line of the opening ```sh fence
  commands: string;
  expected: string | null; // the ```text block after it; null: must print nothing
  notRun: string | null; // the reason given in <!-- not-run: … -->
  server: ServerMode;
}

export type ServerMode = 'npm start' | 'npm run start:auth';

const SHELL_FENCES = new Set(['bash', 'shell', 'console', 'zsh']);
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/;

// Splits a markdown page into its ```sh examples, each with its expected output and directives.
export function extractExamples(file: string, markdown: string): DocExample[] {
  const lines = markdown.split('\n');
  const examples: DocExample[] = [];
  let server: ServerMode = 'npm start';
  let notRun: string | null = null;
  let i = 0;
  const readFence = (start: number): { body: string; end: number } => {
    const open = FENCE.exec(lines[start])!;
    const body: string[] = [];
    let j = start + 1;
    for (; j < lines.length; j++) {
      const m = FENCE.exec(lines[j]);
      if (m && m[2][0] === open[2][0] && m[2].length >= open[2].length && m[3] === '') break;
      body.push(lines[j]);
    }
    if (j >= lines.length) throw new Error(`${file}:${start + 1}: code block is never closed`);
    return { body: body.join('\n'), end: j };
  };
  while (i < lines.length) {
    const line = lines[i];
    const directive = /^<!--\s*(not-run|test-server):\s*(.*?)\s*-->\s*$/.exec(line);
    if (directive) {
      if (directive[1] === 'not-run') {
        if (directive[2] === '') throw new Error(`${file}:${i + 1}: <!-- not-run: --> needs a reason`);
        notRun = directive[2];
      } else if (directive[2] === 'npm start' || directive[2] === 'npm run start:auth') {
        server = directive[2];
      } else {
        throw new Error(`${file}:${i + 1}: unknown test-server '${directive[2]}': expected 'npm start' or 'npm run start:auth'`);
      }
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (line.trim() !== '' && notRun !== null) throw new Error(`${file}:${i + 1}: <!-- not-run --> must come right before an sh block`);
      i++;
      continue;
    }
    const lang = fence[3];
    if (SHELL_FENCES.has(lang)) throw new Error(`${file}:${i + 1}: fence the shell example as sh, not ${lang}, so the docs test runs it`);
    const { body, end } = readFence(i);
    if (lang !== 'sh') {
      if (notRun !== null) throw new Error(`${file}:${i + 1}: <!-- not-run --> must come right before an sh block, not ${lang || 'a plain block'}`);
      i = end + 1;
      continue;
    }
    let next = end + 1;
    while (next < lines.length && lines[next].trim() === '') next++;
    let expected: string | null = null;
    let after = end + 1;
    if (next < lines.length && FENCE.exec(lines[next])?.[3] === 'text') {
      const out = readFence(next);
      expected = out.body;
      after = out.end + 1;
    }
    examples.push({ file, line: i + 1, commands: body, expected, notRun, server });
    notRun = null;
    i = after;
  }
  return examples;
}

const PLACEHOLDERS: Record<string, string> = {
  '<time>': String.raw`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?`,
  '<duration>': String.raw`\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d)(?: \d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))*`,
  '<rate>': String.raw`\d+(?:\.\d+)?(?:B|KiB|MiB|GiB)?`,
  '<hash>': '[0-9a-f]{8,}',
  '<bytes>': String.raw`\d+`,
  '<ns>': String.raw`\d{19}`,
  'apiv3_…': 'apiv3_[A-Za-z0-9_-]{16,}',
};
const PLACEHOLDER_RE = new RegExp(`(${Object.keys(PLACEHOLDERS).map(escapeRegExp).join('|')})( *)`, 'g');

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// One expected line as an anchored regular expression: literal text, placeholders as their patterns.
export function lineMatcher(expected: string): RegExp {
  let source = '';
  let last = 0;
  for (const m of expected.matchAll(PLACEHOLDER_RE)) {
    source += escapeRegExp(expected.slice(last, m.index));
    source += `(?:${PLACEHOLDERS[m[1]]})${m[2] === '' ? '' : ' +'}`;
    last = m.index + m[0].length;
  }
  source += escapeRegExp(expected.slice(last));
  return new RegExp(`^${source}$`, 'u');
}

const TABLE_BORDER = /^\+(?:-+\+)+$/;
const TABLE_ROW = /^\|.*\|$/;

function cells(row: string): string[] {
  return row.slice(1, -1).split('|').map((c) => c.trim());
}

// One line: literally (with placeholders), except table lines, whose column widths follow the values: a border
// matches a border with as many columns, a row matches a row whose cells match one by one.
function lineMatches(want: string, got: string): boolean {
  if (TABLE_BORDER.test(want) && TABLE_BORDER.test(got)) return want.split('+').length === got.split('+').length;
  if (TABLE_ROW.test(want) && TABLE_ROW.test(got)) {
    const w = cells(want);
    const g = cells(got);
    return w.length === g.length && w.every((cell, n) => lineMatcher(cell).test(g[n]));
  }
  return lineMatcher(want).test(got);
}

// Compares printed output with the documented output, line by line; returns null or what differs.
export function outputMismatch(expected: string | null, actual: string): string | null {
  const want = (expected ?? '').replace(/\n+$/, '');
  const got = actual.replace(/\n+$/, '');
  if (want === '' || got === '') return want === got ? null : want === '' ? 'printed output where the docs show none' : 'printed nothing';
  const wantLines = want.split('\n');
  const gotLines = got.split('\n');
  for (let n = 0; n < Math.max(wantLines.length, gotLines.length); n++) {
    if (n >= wantLines.length) return `line ${n + 1} is extra: ${JSON.stringify(gotLines[n])}`;
    if (n >= gotLines.length) return `line ${n + 1} is missing: ${JSON.stringify(wantLines[n])}`;
    if (!lineMatches(wantLines[n], gotLines[n])) {
      return `line ${n + 1} differs:\n  docs:    ${JSON.stringify(wantLines[n])}\n  printed: ${JSON.stringify(gotLines[n])}`;
    }
  }
  return null;
}

// The commands as the test runs them: example hosts → the test server, `apiv3_…` → the page's last token.
export function commandsForServer(commands: string, hostPort: string, lastToken: string | null): string {
  let text = commands.replace(/\b(?:127\.0\.0\.1|localhost):8181\b/g, hostPort);
  if (text.includes('apiv3_…')) {
    if (lastToken === null) throw new Error('the example uses apiv3_… but the page has printed no token before it');
    text = text.replaceAll('apiv3_…', lastToken);
  }
  return text;
}

export const TOKEN_IN_OUTPUT = /apiv3_[A-Za-z0-9_-]{16,}/g;
