import type { Field, LineError, ParsedLine } from '../types.js';
import { LineFailure } from './errors.js';
import { LineScanner } from './line-scanner.js';

// One accepted line, with what the write path needs to report it back if a later check rejects it.
export interface ParsedLineEntry {
  line: ParsedLine;
  lineNumber: number; // 1-based physical line where the logical line starts
  raw: string; // the line as written, without its line ending
}

// Good lines and bad lines side by side: `accept_partial` decides later what to do with them.
export interface ParseResult {
  lines: ParsedLineEntry[];
  errors: LineError[];
}

const SPACE = 32;
const TAB = 9;
const CR = 13;
const HASH = 35;
const BACKSLASH = 92;
const EQUALS = 61;
const COMMA = 44;
const QUOTE = 34;
const NEWLINE = 10;

// The write path needs every good line and every bad line's error in one pass, never an exception.
export function parseLineProtocol(body: string): ParseResult {
  const lines: ParsedLineEntry[] = [];
  const errors = scanLines(body, (scanner, fields, lineNumber, rawStart, rawEnd) => {
    const line = { measurement: scanner.measurement, tags: scanner.tags, fields, timestamp: scanner.timestamp };
    lines.push({ line, lineNumber, raw: body.slice(rawStart, rawEnd) });
  });
  return { lines, errors };
}

// Called for each good line: its fields, the rest of it in the scanner's measurement, tags and timestamp, and where
// its text (without its line ending) is in the body.
export type LineVisitor = (scanner: LineScanner, fields: Field[], lineNumber: number, rawStart: number, rawEnd: number) => void;

// Scans every line of a body, good lines to `visit` in order; returns the bad lines' errors, in line order.
export function scanLines(body: string, visit: LineVisitor): LineError[] {
  const errors: LineError[] = [];
  const scanner = new LineScanner(body);
  const n = body.length;
  let pos = 0;
  let lineNumber = 1;
  // Bounds the error-path splitter, whose scans could otherwise overlap on adversarial input.
  const splitBudget = { left: 2 * n + 65536 };
  while (pos < n) {
    let nl = body.indexOf('\n', pos);
    if (nl === -1) nl = n;
    let start = pos;
    let c = 0;
    while (start < nl && ((c = body.charCodeAt(start)) === SPACE || c === TAB)) start++;
    const end = nl > start && body.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    if (start >= end || c === HASH) {
      pos = nl + 1;
      lineNumber++;
      continue;
    }
    scanner.begin(pos, start, end, nl, lineNumber);
    let lineEnd: number;
    let fields: Field[] | null = null;
    try {
      fields = scanner.scan();
      lineEnd = scanner.nl;
    } catch (err) {
      if (!(err instanceof LineFailure)) throw err;
      lineEnd = Math.max(scanner.nl, lineEndAfterError(body, pos, nl, splitBudget));
      const rawEnd = lineEnd > pos && body.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
      errors.push({ lineNumber, raw: body.slice(pos, rawEnd), message: err.message });
    }
    if (fields !== null) visit(scanner, fields, lineNumber, pos, scanner.end);
    lineNumber += lineEnd === nl ? 1 : 1 + countNewlines(body, nl, lineEnd);
    pos = lineEnd + 1;
  }
  return errors;
}

// After a failure, find where the bad line ends the way InfluxDB splits lines: on a newline outside
// a double-quoted field value. A quote that never closes would swallow the rest of the body, so
// then only the physical line is given up (InfluxDB would reject every following line as well);
// so is it once the body's scanning budget is spent, which keeps parsing linear in the body size.
function lineEndAfterError(s: string, from: number, physicalEnd: number, budget: { left: number }): number {
  let quoted = false;
  let inFields = false;
  let equals = 0;
  let commas = 0;
  const n = Math.min(s.length, from + budget.left);
  let i = from;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) {
      if (s.charCodeAt(i + 1) !== NEWLINE) i++;
      continue;
    }
    if (c === SPACE) {
      inFields = true;
      continue;
    }
    if (inFields) {
      if (!quoted && c === EQUALS) {
        equals++;
        continue;
      }
      if (!quoted && c === COMMA) {
        commas++;
        continue;
      }
      if (c === QUOTE && equals > commas) {
        quoted = !quoted;
        continue;
      }
    }
    if (c === NEWLINE && !quoted) break;
  }
  budget.left -= i - from;
  if (i < n) return i;
  return quoted || n < s.length ? physicalEnd : n;
}

function countNewlines(s: string, from: number, to: number): number {
  let count = 0;
  let i = s.indexOf('\n', from);
  while (i !== -1 && i < to) {
    count++;
    i = s.indexOf('\n', i + 1);
  }
  return count;
}
