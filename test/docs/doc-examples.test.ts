import { expect } from 'chai';
import { commandsForServer, extractExamples, lineMatcher, outputMismatch } from './doc-examples.js';

// The parts of the docs test that decide what runs and what counts as the same output.
describe('docs: example extraction and output comparison', () => {
  it('pairs each sh block with the text block after it and reads the directives', () => {
    const md = [
      '```sh', 'echo a', '```', '', '```text', 'a', '```',
      '<!-- not-run: starts a server of its own -->', '```sh', 'npm start', '```',
      '```json', '{}', '```',
      '<!-- test-server: npm run start:auth -->', '```sh', 'true', '```',
    ].join('\n');
    expect(extractExamples('p.md', md)).to.deep.equal([
      { file: 'p.md', line: 1, commands: 'echo a', expected: 'a', notRun: null, server: 'npm start' },
      { file: 'p.md', line: 9, commands: 'npm start', expected: null, notRun: 'starts a server of its own', server: 'npm start' },
      { file: 'p.md', line: 16, commands: 'true', expected: null, notRun: null, server: 'npm run start:auth' },
    ]);
  });

  it('refuses shell fences other than sh, a directive not before an sh block, and an unknown server', () => {
    expect(() => extractExamples('p.md', '```bash\nls\n```')).to.throw('p.md:1: fence the shell example as sh, not bash');
    expect(() => extractExamples('p.md', '<!-- not-run: x -->\ntext\n```sh\nls\n```')).to.throw('p.md:2: <!-- not-run --> must come right before an sh block');
    expect(() => extractExamples('p.md', '<!-- not-run:  -->\n```sh\nls\n```')).to.throw('needs a reason');
    expect(() => extractExamples('p.md', '<!-- test-server: docker -->')).to.throw("unknown test-server 'docker'");
  });

  it('matches placeholders narrowly and keeps every other character', () => {
    expect(lineMatcher('| <time>              | hall | 17.5 |').test('| 2026-12-07T17:25:00 | hall | 17.5 |')).to.equal(true);
    expect(lineMatcher('| <time>              | hall | 17.5 |').test('| 2026-12-07T17:25:00 | hall | 17.6 |')).to.equal(false);
    expect(lineMatcher('<time>').test('yesterday')).to.equal(false);
    expect(lineMatcher('  <duration>: 1 request (<rate> requests/sec), 26B (<rate>/s)').test('  1s 230ms: 1 request (1.99 requests/sec), 26B (3.25KiB/s)')).to.equal(true);
    expect(lineMatcher('Token: apiv3_…').test('Token: apiv3_0123456789abcdefghij-_')).to.equal(true);
    expect(lineMatcher('Token: apiv3_…').test('Token: apiv3_short')).to.equal(false);
    expect(lineMatcher('a.b (c)').test('axb (c)')).to.equal(false);
  });

  it('compares tables cell by cell, so a placeholder value may widen its column', () => {
    const want = '+----+--------+\n| id | time   |\n+----+--------+\n| 1  | <time> |\n+----+--------+';
    const got = '+----+-------------------------+\n| id | time                    |\n+----+-------------------------+\n| 1  | 2026-12-07T17:38:00.053 |\n+----+-------------------------+';
    expect(outputMismatch(want, got)).to.equal(null);
    expect(outputMismatch(want, got.replace('| 1 ', '| 2 '))).to.match(/^line 4 differs/);
    expect(outputMismatch(want, got.replace('+----+-------------------------+\n| id', '+----+---+---+\n| id'))).to.match(/^line 1 differs/);
    expect(outputMismatch('| a | b |', '| a | b | c |')).to.match(/^line 1 differs/);
  });

  it('fails on a changed, missing or extra line and on output where none is shown', () => {
    expect(outputMismatch('a\nb', 'a\nb\n')).to.equal(null);
    expect(outputMismatch('a\nb', 'a\nc')).to.equal('line 2 differs:\n  docs:    "b"\n  printed: "c"');
    expect(outputMismatch('a\nb', 'a')).to.equal('line 2 is missing: "b"');
    expect(outputMismatch('a', 'a\nb')).to.equal('line 2 is extra: "b"');
    expect(outputMismatch(null, 'x')).to.equal('printed output where the docs show none');
    expect(outputMismatch('x', '')).to.equal('printed nothing');
  });

  it('points example hosts at the test server and pastes the last token', () => {
    expect(commandsForServer("curl 'http://127.0.0.1:8181/x' http://localhost:8181/y -H 'Authorization: Bearer apiv3_…'", '127.0.0.1:4242', 'apiv3_abc'))
      .to.equal("curl 'http://127.0.0.1:4242/x' http://127.0.0.1:4242/y -H 'Authorization: Bearer apiv3_abc'");
    expect(() => commandsForServer('export T=apiv3_…', '127.0.0.1:1', null)).to.throw('printed no token');
  });
});
