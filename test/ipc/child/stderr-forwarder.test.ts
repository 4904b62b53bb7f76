import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { OutputRateLimiter } from '../../../src/ipc/child/output-rate-limiter.js';
import { DROP_SUMMARY_INTERVAL_MS, MAX_LINE_BYTES, StderrForwarder } from '../../../src/ipc/child/stderr-forwarder.js';
import { FakeClock } from '../../engine/fake-clock.js';
import { captureLogger } from './capture-logger.js';

const INFO = 30;
const WARN = 40;
const tick = () => new Promise((r) => setImmediate(r));

describe('ipc/child/stderr-forwarder', () => {
  it('logs lines at info, tracebacks at warn, joins split lines and keeps a tail', async () => {
    const { logger, lines } = captureLogger();
    const stream = new PassThrough();
    const fwd = new StderrForwarder(stream, logger.child({ runner: 't' }));
    stream.write('plain li');
    stream.write('ne\nTraceback (most recent call last):\n  File "p.py", line 3, in process_writes\n');
    stream.write('    1/0\nZeroDivisionError: division by zero\n\nDuring handling of the above exception, another exception occurred:\n');
    stream.write('\nTraceback (most recent call last):\n  File "p.py", line 5\nKeyError: 1\nafter\r\nno newline');
    stream.end();
    await tick();
    expect(lines.map((l) => [l.level, l.msg])).to.deep.equal([
      [INFO, 'plain line'],
      [WARN, 'Traceback (most recent call last):'],
      [WARN, '  File "p.py", line 3, in process_writes'],
      [WARN, '    1/0'],
      [WARN, 'ZeroDivisionError: division by zero'],
      [WARN, 'During handling of the above exception, another exception occurred:'],
      [WARN, 'Traceback (most recent call last):'],
      [WARN, '  File "p.py", line 5'],
      [WARN, 'KeyError: 1'],
      [INFO, 'after'],
      [INFO, 'no newline'],
    ]);
    expect(lines[0]!.runner).to.equal('t');
    expect(fwd.tailText()).to.match(/ZeroDivisionError[\s\S]*KeyError: 1\nafter\nno newline$/);
    expect(fwd.tailText(10)).to.equal('…no newline');
  });

  it('cuts a long line, saying how much, without splitting a UTF-8 character', async () => {
    const { logger, lines } = captureLogger();
    const stream = new PassThrough();
    new StderrForwarder(stream, logger);
    const long = 'a'.repeat(MAX_LINE_BYTES - 1) + 'é' + 'b'.repeat(5000);
    stream.write(long.slice(0, 10_000));
    stream.write(`${long.slice(10_000)}\nnext\n`);
    await tick();
    expect(lines).to.have.length(2);
    expect(lines[0]!.msg).to.equal(`${'a'.repeat(MAX_LINE_BYTES - 1)}… [cut ${Buffer.byteLength(long) - (MAX_LINE_BYTES - 1)} bytes]`);
    expect(lines[1]!.msg).to.equal('next');
  });

  it('rate-limits lines and bytes per second and summarises what it dropped once per interval', async () => {
    const clock = new FakeClock();
    const { logger, lines } = captureLogger();
    const stream = new PassThrough();
    const limiter = new OutputRateLimiter({ linesPerSecond: 2, lineBurst: 3, bytesPerSecond: 1000, byteBurst: 1000 }, clock);
    const fwd = new StderrForwarder(stream, logger, { clock, limiter });
    stream.write('l1\nl2\nl3\nl4\nl5\nl6\n');
    await tick();
    expect(lines.map((l) => l.msg)).to.deep.equal(['l1', 'l2', 'l3']);
    await clock.advance(DROP_SUMMARY_INTERVAL_MS);
    expect(lines.map((l) => l.msg)).to.deep.equal(['l1', 'l2', 'l3', '3 lines / 9 bytes dropped (runner output over 2 lines/s or 1000 bytes/s)']);
    expect(lines[3]).to.include({ level: WARN, droppedLines: 3, droppedBytes: 9 });
    // A second later two more lines fit; nothing dropped → no summary.
    stream.write('m1\nm2\n');
    await tick();
    await clock.advance(DROP_SUMMARY_INTERVAL_MS);
    expect(lines.slice(4).map((l) => l.msg)).to.deep.equal(['m1', 'm2']);
    // Bytes: a 600-byte line fits the 1000-byte burst once, not twice.
    await clock.advance(10_000);
    stream.write(`${'x'.repeat(599)}\n${'y'.repeat(599)}\n`);
    await tick();
    fwd.flush();
    expect(lines.slice(6).map((l) => l.msg)).to.deep.equal(['x'.repeat(599), '1 lines / 600 bytes dropped (runner output over 2 lines/s or 1000 bytes/s)']);
    expect(clock.pending).to.equal(0);
  });

  it('two runners of one trigger share one allowance (a restarted runner or a run_async pool gets no fresh one)', async () => {
    const clock = new FakeClock();
    const { logger, lines } = captureLogger();
    const limiter = new OutputRateLimiter({ linesPerSecond: 1, lineBurst: 3, bytesPerSecond: 1000, byteBurst: 1000 }, clock);
    const first = new PassThrough();
    const second = new PassThrough();
    const a = new StderrForwarder(first, logger, { clock, limiter });
    const b = new StderrForwarder(second, logger, { clock, limiter });
    first.write('a1\na2\n');
    second.write('b1\nb2\n');
    await tick();
    a.flush();
    b.flush();
    expect(lines.map((l) => l.msg).filter((m) => !m.includes('dropped'))).to.deep.equal(['a1', 'a2', 'b1']);
  });

  it('drops a flood cheaply, counting lines across chunks, and still keeps its tail', async () => {
    const clock = new FakeClock();
    const { logger, lines } = captureLogger();
    const stream = new PassThrough();
    const limiter = new OutputRateLimiter({ linesPerSecond: 1, lineBurst: 1, bytesPerSecond: 100, byteBurst: 100 }, clock);
    const fwd = new StderrForwarder(stream, logger, { clock, limiter });
    const chunk = Buffer.from('0123456789\n'.repeat(100_000)); // 1.1 MB
    stream.write(chunk);
    stream.write('half a li');
    stream.write('ne\nlast words\n');
    await tick();
    await clock.advance(DROP_SUMMARY_INTERVAL_MS);
    expect(lines.map((l) => l.msg)).to.deep.equal([
      '0123456789',
      `100001 lines / ${chunk.length - 11 + 'half a line\nlast words\n'.length} bytes dropped (runner output over 1 lines/s or 100 bytes/s)`,
    ]);
    expect(fwd.tailText().split('\n').slice(-2)).to.deep.equal(['half a line', 'last words']);
    expect(fwd.tailText().split('\n')).to.have.length(40);
  });

  it('logs the last unfinished line and the pending summary when the stream ends', async () => {
    const clock = new FakeClock();
    const { logger, lines } = captureLogger();
    const stream = new PassThrough();
    new StderrForwarder(stream, logger, { clock, limiter: new OutputRateLimiter({ linesPerSecond: 1, lineBurst: 1, bytesPerSecond: 100, byteBurst: 100 }, clock) });
    stream.write('a\nb\nc');
    stream.end();
    await tick();
    expect(lines.map((l) => l.msg)).to.deep.equal(['a', '2 lines / 3 bytes dropped (runner output over 1 lines/s or 100 bytes/s)']);
    expect(clock.pending).to.equal(0);
  });
});
