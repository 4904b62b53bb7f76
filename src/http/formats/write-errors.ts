import type { LineError } from '../../storage/types.js';

// One refused line as InfluxDB 3 lists it in the `data` array of a failed write.
export interface LineErrorBody {
  original_line: string;
  line_number: number;
  error_message: string;
}

export function lineErrorsBody(errors: LineError[]): LineErrorBody[] {
  return errors.map((e) => ({ original_line: e.raw, line_number: e.lineNumber, error_message: e.message }));
}

// The message of a refused write: partial when some lines were stored, a parsing error when none were.
export function writeErrorMessage(linesWritten: number): string {
  return linesWritten > 0 ? 'partial write of line protocol occurred' : 'line protocol parsing error';
}
