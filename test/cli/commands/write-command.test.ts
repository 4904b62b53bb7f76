import { expect } from 'chai';
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured, startRecorder, type RecordingServer } from '../cli-harness.js';
import { BIN, runCli } from '../../helpers/server-process.js';

const WRITE = '/api/v3/write_lp';

describe('cli/commands/write-command', () => {
  let server: RecordingServer;
  let dir: string;
  beforeEach(async () => {
    server = await startRecorder();
    dir = mkdtempSync(join(tmpdir(), 'cli-write-'));
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`w -f FILE --max-request-size N` sends the file in requests cut at line boundaries, with throughput on stderr', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `cpu,host=h${i} usage=${i} ${1_000_000 + i}`);
    const file = join(dir, 'data.lp');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await runCliCaptured(['w', '-H', server.url, '-d', 'db1', '-f', file, '--max-request-size', '100']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('success\n');
    const bodies = server.requests.map((q) => q.body);
    expect(server.requests.every((q) => q.path === WRITE && q.query.db === 'db1')).to.equal(true);
    expect(bodies.length).to.be.greaterThan(5);
    for (const b of bodies) {
      expect(Buffer.byteLength(b)).to.be.at.most(100);
      expect(b.endsWith('\n')).to.equal(true);
    }
    expect(bodies.join('').split('\n').filter(Boolean).sort()).to.deep.equal([...lines].sort());
    const progress = r.stderr.trim().split('\n');
    expect(progress).to.have.length(bodies.length);
    expect(progress.at(-1)).to.match(new RegExp(`^ {2}\\S.*: ${bodies.length} requests \\([\\d.]+ requests/sec\\), 30 lines \\(\\d+ lines/s\\), [\\d.]+(B|KiB) \\([\\d.]+(B|KiB)/s\\)$`));
  });

  it('-q prints no progress', async () => {
    const r = await runCliCaptured(['write', '-q', '-H', server.url, '-d', 'db1', 'cpu usage=1']);
    expect(r).to.deep.equal({ code: 0, stdout: 'success\n', stderr: '' });
  });

  it('--max-concurrent-requests bounds the requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = createServer((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      req.resume();
      req.on('end', () => setTimeout(() => {
        inFlight--;
        res.end();
      }, 15));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    const lp = Array.from({ length: 12 }, (_, i) => `m f=${i}`).join('\n');
    try {
      for (const n of [1, 3]) {
        peak = 0;
        const r = await runCliCaptured(['write', '-q', '-H', url, '-d', 'db', '--max-request-size', '8', '--max-concurrent-requests', String(n), lp]);
        expect(r.code, r.stderr).to.equal(0);
        expect(peak, `--max-concurrent-requests ${n}`).to.equal(n);
      }
    } finally {
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });

  it('refuses 0 for the size and concurrency flags, naming the value', async () => {
    let r = await runCliCaptured(['write', '-H', server.url, '-d', 'db', '--max-request-size', '0', 'm f=1']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include("invalid --max-request-size '0'");
    r = await runCliCaptured(['write', '-H', server.url, '-d', 'db', '--max-concurrent-requests', 'x', 'm f=1']);
    expect(r.stderr).to.include("invalid --max-concurrent-requests 'x'");
    expect(server.requests).to.have.length(0);
  });

  it('a partial write says how many lines were stored, with the refused lines numbered in the input', async () => {
    // The second request (lines 3-4 of the input) has its first line refused.
    let calls = 0;
    server.reply = () => (++calls === 2
      ? { status: 400, body: { error: 'partial write of line protocol occurred', data: [{ original_line: 'bad line', line_number: 1, error_message: 'invalid field value' }] } }
      : {});
    const r = await runCliCaptured(['write', '-q', '-H', server.url, '-d', 'db', '--max-request-size', '12', '--max-concurrent-requests', '1', 'a f=1\nb f=2\nbad line\nc f=3\n']);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.equal('Error: partial write: 3 of 4 lines stored, 1 refused:\n  line 3: invalid field value (bad line)\n');
  });

  it('--no-accept-partial: a refused request stores none of its lines, and the count says so', async () => {
    server.reply = () => ({ status: 400, body: { error: 'parsing error', data: { original_line: 'x', line_number: 2, error_message: 'bad' } } });
    const r = await runCliCaptured(['write', '-q', '--no-accept-partial', '-H', server.url, '-d', 'db', 'a f=1\nx\n']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^Error: partial write: 0 of 2 lines stored, 2 refused \(--no-accept-partial .*\):\n {2}line 2: bad \(x\)\n$/);
    expect(server.requests[0]!.query.accept_partial).to.equal('false');
  });

  it('--no-accept-partial stops at the first refused request and says the rest was not sent', async () => {
    let calls = 0;
    server.reply = () => (++calls === 2 ? { status: 400, body: { error: 'parsing error', data: { original_line: 'x', line_number: 1, error_message: 'bad' } } } : {});
    const lp = ['a f=1', 'x', 'b f=2', 'c f=3', 'd f=4'].join('\n');
    const r = await runCliCaptured(['write', '-q', '--no-accept-partial', '--max-request-size', '6', '--max-concurrent-requests', '1', '-H', server.url, '-d', 'db', lp]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^Error: partial write: 1 of 2 lines stored, 1 refused \(--no-accept-partial .*\); the rest of the input was not sent:\n {2}line 2: bad \(x\)\n$/);
    expect(server.requests.map((q) => q.body)).to.deep.equal(['a f=1\n', 'x\n']);
  });

  it('with nothing to write, says how to give lines instead of printing success', async () => {
    const empty = join(dir, 'empty.lp');
    writeFileSync(empty, '\n# only a comment\n\n');
    let r = await runCliCaptured(['write', '-H', server.url, '-d', 'db', '-f', empty]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.include(`nothing to write: file '${empty}' has no line protocol; give line protocol as an argument`);
    // stdin closed with no data (the bin, as a pipe would run it)
    const spawned = await runCli(['write', '-H', server.url, '-d', 'db'], '');
    expect(spawned.code).to.equal(1);
    expect(spawned.stdout).to.equal('');
    expect(spawned.stderr).to.include('nothing to write: stdin has no line protocol');
    expect(spawned.stderr).to.include('cat data.lp | influxdb3 write -d DB');
    r = await runCliCaptured(['write', '-H', server.url, '-d', 'db', '-f', join(dir, 'missing.lp')]);
    expect(r.stderr).to.include(`cannot read file '${join(dir, 'missing.lp')}' (-f/--file)`);
    expect(server.requests).to.have.length(0);
  });

  it('reads line protocol piped on stdin', async () => {
    const spawned = await runCli(['w', '-q', '-H', server.url, '-d', 'db'], 'a f=1\nb f=2\n');
    expect(spawned.code, spawned.stderr).to.equal(0);
    expect(server.requests.map((q) => q.body)).to.deep.equal(['a f=1\nb f=2\n']);
  });

  it('with a terminal on stdin and no lines, says how to give them at once instead of waiting', function () {
    // util-linux `script` gives the command a pseudo-terminal, as an interactive shell would
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const r = spawnSync('script', ['-qec', `${process.execPath} ${BIN} write -d db -H ${server.url}`, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).to.equal(1);
    expect(r.stdout).to.include("Error: nothing to write: give line protocol as an argument (influxdb3 write -d DB 'cpu,host=a usage=1'), with -f FILE, or on stdin");
    expect(server.requests).to.have.length(0);
  });
});
