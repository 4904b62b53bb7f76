import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { StderrForwarder } from '../../../src/ipc/child/stderr-forwarder.js';
import { captureLogger } from './capture-logger.js';

const INFO = 30;
const WARN = 40;

describe('ipc/child/stderr-forwarder', () => {
  it('logs lines at info, tracebacks at warn, joins split lines and keeps a tail', async () => {
    const { logger, lines } = captureLogger();
    const stream = new PassThrough();
    const fwd = new StderrForwarder(stream, logger.child({ runner: 't' }));
    stream.write('plain li');
    stream.write('ne\nTraceback (most recent call last):\n  File "p.py", line 3, in process_writes\n');
    stream.write('    1/0\nZeroDivisionError: division by zero\n\nDuring handling of the above exception, another exception occurred:\n');
    stream.write('\nTraceback (most recent call last):\n  File "p.py", line 5\nKeyError: 1\nafter\nno newline');
    stream.end();
    await new Promise((r) => setImmediate(r));
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
});
