import { errorMessage } from '../shared/app-error.js';
import type { RowWithSource } from './catalog/validate-rows.js';
import { parseLineProtocol } from './line-protocol/parse-line-protocol.js';
import { toNanoseconds } from './line-protocol/precision.js';
import type { LineError, Precision, WriteRow } from './types.js';
import type { WalWrite } from './wal/write-record.js';

// The rows of a write body with their line numbers, and one error per refused line (sorted by line).
export function rowsFromBody(body: string, precision: Precision, defaultTimeNs: bigint): { rows: RowWithSource[]; errors: LineError[] } {
  const parsed = parseLineProtocol(body);
  const rows: RowWithSource[] = [];
  const errors = [...parsed.errors];
  for (const { line, lineNumber, raw } of parsed.lines) {
    let time: bigint;
    try {
      time = toNanoseconds(line.timestamp, precision, defaultTimeNs);
    } catch (err) {
      // A timestamp that leaves the int64 nanosecond range refuses only its own line.
      errors.push({ lineNumber, raw, message: errorMessage(err) });
      continue;
    }
    rows.push({ row: { table: line.measurement, tags: line.tags, fields: line.fields, time }, lineNumber, raw });
  }
  if (errors.length > parsed.errors.length) errors.sort((a, b) => a.lineNumber - b.lineNumber);
  return { rows, errors };
}

// The rows a WAL write stored: its body re-parsed, minus the lines refused when it was acknowledged.
export function rowsOfWalWrite(w: WalWrite): WriteRow[] {
  const refused = new Set(w.refusedLines);
  return rowsFromBody(w.body, w.precision, w.defaultTimeNs).rows.filter((x) => !refused.has(x.lineNumber)).map((x) => x.row);
}
