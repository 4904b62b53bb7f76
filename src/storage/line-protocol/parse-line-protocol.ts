import type { LineError, ParsedLine } from '../types.js';
import { LineFailure } from './errors.js';
import { LineScanner } from './line-scanner.js';

export interface ParsedLineEntry {
  line: ParsedLine;
  lineNumber: number; // 1-based physical line where the logical line starts
  raw: string; // the line as written, without its line ending
}

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
  const errors: LineError[] = [];
  const scanner = new LineScanner(body);
  const n = body.length;
  let pos = 0;
  let lineNumber = 1;
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
    try {
      const line = scanner.parse();
      lineEnd = scanner.nl;
      lines.push({ line, lineNumber, raw: body.slice(pos, scanner.end) });
    } catch (err) {
      if (!(err instanceof LineFailure)) throw err;
      lineEnd = Math.max(scanner.nl, lineEndAfterError(body, pos, nl));
      const rawEnd = lineEnd > pos && body.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
      errors.push({ original_line: body.slice(pos, rawEnd), line_number: lineNumber, error_message: err.message });
    }
    lineNumber += lineEnd === nl ? 1 : 1 + countNewlines(body, nl, lineEnd);
    pos = lineEnd + 1;
  }
  return { lines, errors };
}

// After a failure, find where the bad line ends the way InfluxDB splits lines: on a newline outside
// a double-quoted field value. A quote that never closes would swallow the rest of the body, so
// then only the physical line is given up (InfluxDB would reject every following line as well).
function lineEndAfterError(s: string, from: number, physicalEnd: number): number {
  let quoted = false;
  let inFields = false;
  let equals = 0;
  let commas = 0;
  const n = s.length;
  for (let i = from; i < n; i++) {
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
    if (c === NEWLINE && !quoted) return i;
  }
  return quoted ? physicalEnd : n;
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
