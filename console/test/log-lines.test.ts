import { expect } from 'chai';
import { mergeLogLines, type LogLine } from '../src/log-lines.js';

const line = (time: string, text: string, level = 'INFO'): LogLine => ({ time, level, text });

describe('console/log-lines: a tailed log', () => {
  it('appends new lines once, though a poll returns the last instant again', () => {
    const held = [line('t1', 'a'), line('t2', 'b'), line('t2', 'c')];
    const next = mergeLogLines(held, [line('t2', 'b'), line('t2', 'c'), line('t2', 'd'), line('t3', 'e')], 10);
    expect(next.map((l) => l.text)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps the same array when nothing is new, and only the newest lines beyond the cap', () => {
    const held = [line('t1', 'a')];
    expect(mergeLogLines(held, [], 10)).to.equal(held);
    expect(mergeLogLines(held, [line('t1', 'a')], 10)).to.equal(held);
    const many = Array.from({ length: 5 }, (_, i) => line(`t${i + 2}`, String(i)));
    expect(mergeLogLines(held, many, 3).map((l) => l.text)).to.deep.equal(['2', '3', '4']);
  });
});
