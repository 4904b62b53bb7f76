import { expect } from 'chai';
import { NdjsonSplitter, streamOutcome, type ProgressEvent } from '../src/ndjson.js';

describe('console/ndjson: progress streams read line by line', () => {
  it('joins lines split across chunks and keeps the unfinished tail for the next chunk', () => {
    const s = new NdjsonSplitter();
    expect(s.push('{"type":"progress","li')).to.deep.equal([]);
    expect(s.push('ne":"a"}\n\n{"type":"progress","line":"b"}\n{"type"')).to.deep.equal([{ type: 'progress', line: 'a' }, { type: 'progress', line: 'b' }]);
    expect(s.push(':"result","installed":[],"exit_code":0,"elapsed_ms":3}')).to.deep.equal([]);
    expect(s.end()).to.deep.equal([{ type: 'result', installed: [], exit_code: 0, elapsed_ms: 3 }]);
    expect(s.end()).to.deep.equal([]);
  });

  it('names the outcome from the last line, and a stream cut short as unknown', () => {
    const progress: ProgressEvent = { type: 'progress', line: 'Collecting x' };
    expect(streamOutcome([progress, { type: 'result', installed: ['x-1.0'], exit_code: 0, elapsed_ms: 1 }])).to.deep.equal({ ok: true, message: 'Installed x-1.0' });
    expect(streamOutcome([{ type: 'result', installed: [], exit_code: 0, elapsed_ms: 1 }]).message).to.equal('Everything was already installed');
    expect(streamOutcome([progress, { type: 'error', status: 500, error: 'pip exited with code 1' }])).to.deep.equal({ ok: false, message: '500: pip exited with code 1' });
    expect(streamOutcome([progress]).ok).to.equal(false);
    expect(streamOutcome([progress]).message).to.match(/^The connection ended/);
  });
});
