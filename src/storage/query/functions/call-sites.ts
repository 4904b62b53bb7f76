import { isKeyword, matchingParen, type Token } from '../sql-lexer.js';

// A span of the SQL text, end exclusive.
export interface Span {
  start: number;
  end: number;
}

// One call `name(args)` found in the SQL, with what surrounds it that changes its meaning.
export interface CallSite {
  // The name as written, lowercased.
  name: string;
  // From the name to the closing parenthesis (or to the end of WITHIN GROUP (...) when there is one).
  start: number;
  end: number;
  // The arguments, split at top-level commas; an ORDER BY inside the parentheses is not part of them.
  args: Span[];
  // `name(DISTINCT x)`.
  distinct: boolean;
  // `name(x ORDER BY t [DESC])`: the ordering after ORDER BY.
  orderBy: Span | null;
  // `name(p) WITHIN GROUP (ORDER BY x)`: the ordering after ORDER BY.
  withinGroup: Span | null;
  // Followed by OVER: a window call.
  over: boolean;
  // The window after OVER: `(PARTITION BY ... ORDER BY ...)` or a window name; null without OVER.
  window: Span | null;
  // The token index of the name and of the closing parenthesis.
  nameToken: number;
  closeToken: number;
}

const isPunct = (t: Token | undefined, value: string): boolean => t?.kind === 'punct' && t.value === value;

// Every call of one of `names` (lowercase). A name directly after `.` is a method or qualified name, not ours.
export function findCalls(tokens: Token[], names: ReadonlySet<string>): CallSite[] {
  const calls: CallSite[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' || !isPunct(tokens[i + 1], '(') || isPunct(tokens[i - 1], '.')) continue;
    const name = t.value.toLowerCase();
    if (!names.has(name)) continue;
    const close = matchingParen(tokens, i + 1);
    if (close < 0) continue;
    const call = parseCall(tokens, i, close, name);
    calls.push(call);
  }
  return calls;
}

function parseCall(tokens: Token[], nameIdx: number, close: number, name: string): CallSite {
  let first = nameIdx + 2;
  const distinct = isKeyword(tokens[first], 'distinct') && first < close;
  if (distinct) first++;
  const args: Span[] = [];
  let orderBy: Span | null = null;
  let depth = 0;
  let argStart = first;
  for (let k = first; k < close; k++) {
    const tk = tokens[k]!;
    // Braces too: a MAP {k: v, ...} or struct {'a': 1, ...} literal's commas are not argument separators.
    if (tk.kind === 'punct' && (tk.value === '(' || tk.value === '[' || tk.value === '{')) depth++;
    else if (tk.kind === 'punct' && (tk.value === ')' || tk.value === ']' || tk.value === '}')) depth--;
    else if (depth === 0 && isPunct(tk, ',')) {
      args.push(spanOf(tokens, argStart, k));
      argStart = k + 1;
    } else if (depth === 0 && isKeyword(tk, 'order') && isKeyword(tokens[k + 1], 'by')) {
      if (k > argStart) args.push(spanOf(tokens, argStart, k));
      orderBy = spanOf(tokens, k + 2, close);
      argStart = close;
      break;
    }
  }
  if (argStart < close) args.push(spanOf(tokens, argStart, close));
  let end = tokens[close]!.end;
  let closeToken = close;
  let withinGroup: Span | null = null;
  if (isKeyword(tokens[close + 1], 'within') && isKeyword(tokens[close + 2], 'group') && isPunct(tokens[close + 3], '(')) {
    const groupClose = matchingParen(tokens, close + 3);
    if (groupClose > 0 && isKeyword(tokens[close + 4], 'order') && isKeyword(tokens[close + 5], 'by')) {
      withinGroup = spanOf(tokens, close + 6, groupClose);
      end = tokens[groupClose]!.end;
      closeToken = groupClose;
    }
  }
  const over = isKeyword(tokens[closeToken + 1], 'over');
  let window: Span | null = null;
  if (over) {
    const at = closeToken + 2;
    const windowEnd = isPunct(tokens[at], '(') ? matchingParen(tokens, at) : at;
    if (windowEnd >= at && tokens[windowEnd]) window = { start: tokens[at]!.start, end: tokens[windowEnd]!.end };
  }
  return { name, start: tokens[nameIdx]!.start, end, args, distinct, orderBy, withinGroup, over, window, nameToken: nameIdx, closeToken: close };
}

// The text span from token `from` up to (not including) token `to`.
function spanOf(tokens: Token[], from: number, to: number): Span {
  if (to <= from) return { start: tokens[from]?.start ?? 0, end: tokens[from]?.start ?? 0 };
  return { start: tokens[from]!.start, end: tokens[to - 1]!.end };
}
