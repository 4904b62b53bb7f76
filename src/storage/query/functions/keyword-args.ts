import { isKeyword } from '../sql-lexer.js';
import type { Span } from './call-sites.js';
import type { CallContext } from './sql-function.js';

/**
 * The parts of a call written with keywords instead of commas, e.g. `overlay(s PLACING r FROM p FOR n)` or
 * `position(a IN b)`: the text before the first keyword under '' and the text after each keyword under the keyword
 * (lowercase); undefined when none of `words` appears at the call's top level.
 */
export function keywordArgs(ctx: CallContext, words: readonly string[]): Map<string, Span> | undefined {
  const { tokens, call } = ctx;
  const parts = new Map<string, Span>();
  let depth = 0;
  let key = '';
  let from = call.nameToken + 2;
  const close = call.closeToken;
  const flush = (to: number) => {
    parts.set(key, to > from ? { start: tokens[from]!.start, end: tokens[to - 1]!.end } : { start: tokens[from]!.start, end: tokens[from]!.start });
  };
  for (let k = from; k < close; k++) {
    const t = tokens[k]!;
    if (t.kind === 'punct' && '([{'.includes(t.value)) depth++;
    else if (t.kind === 'punct' && ')]}'.includes(t.value)) depth--;
    else if (depth === 0) {
      const word = words.find((w) => isKeyword(t, w));
      if (word) {
        flush(k);
        key = word;
        from = k + 1;
      }
    }
  }
  if (parts.size === 0) return undefined;
  flush(close);
  return parts;
}
