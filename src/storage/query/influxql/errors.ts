import { AppError } from '../../../shared/app-error.js';

// A query the parser cannot read: HTTP 400, worded as InfluxDB 1.x words it.
export function influxqlParseError(detail: string): AppError {
  return new AppError('influxql_parse_error', `error parsing query: ${detail}`, { status: 400 });
}

// A statement or construct this server does not implement, named in the message.
export function unsupported(construct: string): AppError {
  return new AppError('influxql_unsupported', `InfluxQL: ${construct} is not supported`, { status: 400 });
}

// A statement that parsed but cannot run (wrong field type, mixing aggregates and raw fields, ...).
export function influxqlError(message: string): AppError {
  return new AppError('influxql_error', message, { status: 400 });
}
