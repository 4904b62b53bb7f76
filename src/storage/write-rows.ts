import { errorMessage } from '../shared/app-error.js';
import type { RowWithSource } from './catalog/validate-rows.js';
import { scanLines } from './line-protocol/parse-line-protocol.js';
import { toNanoseconds } from './line-protocol/precision.js';
import type { LineError, Precision, WriteRow } from './types.js';
import type { WalWrite } from './wal/write-record.js';

// A good line's row; its text is sliced from the body only if a check refuses the row and reports it.
class BodyRow implements RowWithSource {
  constructor(
    readonly row: WriteRow,
    readonly lineNumber: number,
    private readonly body: string,
    private readonly rawStart: number,
    private readonly rawEnd: number,
  ) {}

  get raw(): string {
    return this.body.slice(this.rawStart, this.rawEnd);
  }
}

// The rows of a write body with their line numbers, and one error per refused line (sorted by line).
export function rowsFromBody(body: string, precision: Precision, defaultTimeNs: bigint): { rows: RowWithSource[]; errors: LineError[] } {
  const rows: RowWithSource[] = [];
  let outOfRange: LineError[] | null = null;
  const errors = scanLines(body, (scanner, fields, lineNumber, rawStart, rawEnd) => {
    const ts = scanner.timestamp;
    let time: bigint;
    if (ts === null || precision === 'ns') time = ts ?? defaultTimeNs;
    else {
      try {
        time = toNanoseconds(ts, precision, defaultTimeNs);
      } catch (err) {
        // A timestamp that leaves the int64 nanosecond range refuses only its own line.
        (outOfRange ??= []).push({ lineNumber, raw: body.slice(rawStart, rawEnd), message: errorMessage(err) });
        return;
      }
    }
    rows.push(new BodyRow({ table: scanner.measurement, tags: scanner.tags, fields, time }, lineNumber, body, rawStart, rawEnd));
  });
  if (outOfRange === null) return { rows, errors };
  const all = errors.concat(outOfRange);
  all.sort((a, b) => a.lineNumber - b.lineNumber);
  return { rows, errors: all };
}

// The rows a WAL write stored: its body re-parsed, minus the lines refused when it was acknowledged.
export function rowsOfWalWrite(w: WalWrite): WriteRow[] {
  const refused = new Set(w.refusedLines);
  return rowsFromBody(w.body, w.precision, w.defaultTimeNs).rows.filter((x) => !refused.has(x.lineNumber)).map((x) => x.row);
}
