import { AppError } from '../../shared/app-error.js';
import { displayValue, jsonValue, parseType } from './format-values.js';
import { prettyTable } from './pretty-table.js';
import type { QueryResult } from '../../storage/query/query-result.js';

// The result formats of /api/v3/query_sql.
export type QueryFormat = 'json' | 'jsonl' | 'csv' | 'pretty' | 'parquet';
// Formats rendered as text here; parquet bytes come from storage (StorageEngine.queryParquet).
export type TextFormat = Exclude<QueryFormat, 'parquet'>;

// Content types exactly as InfluxDB 3 sends them.
export const CONTENT_TYPES: Record<QueryFormat, string> = {
  json: 'application/json',
  jsonl: 'application/jsonl',
  csv: 'text/csv',
  pretty: 'text/plain; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

const FORMAT_NAMES: Record<string, QueryFormat> = {
  json: 'json',
  jsonl: 'jsonl',
  json_lines: 'jsonl',
  csv: 'csv',
  pretty: 'pretty',
  parquet: 'parquet',
};

const MIME_FORMATS: Record<string, QueryFormat> = {
  'application/json': 'json',
  'application/jsonl': 'jsonl',
  'application/x-ndjson': 'jsonl',
  'application/vnd.apache.parquet': 'parquet',
  'text/csv': 'csv',
  'text/plain': 'pretty',
  'text/html': 'json',
  '*/*': 'json',
  'application/*': 'json',
  'text/*': 'json',
};

/**
 * The `format` parameter wins; without it the Accept header decides (first type we know, in the
 * order given), and JSON is the default. An unknown format or an Accept with nothing we serve is a 400.
 */
export function parseFormat(format: string | undefined | null, accept?: string | null): QueryFormat {
  if (format !== undefined && format !== null && format !== '') {
    const known = FORMAT_NAMES[format.toLowerCase()];
    if (!known) {
      throw new AppError('invalid_format', `invalid format '${format}': expected one of json, jsonl, csv, pretty, parquet`, {
        status: 400,
      });
    }
    return known;
  }
  if (accept === undefined || accept === null || accept.trim() === '') return 'json';
  for (const part of accept.split(',')) {
    const mime = part.split(';')[0]!.trim().toLowerCase();
    const known = MIME_FORMATS[mime];
    if (known) return known;
  }
  throw new AppError('invalid_format', `invalid mime type (${accept})`, { status: 400 });
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRecord(fields: string[]): string {
  // As the csv crate does: a lone empty field is quoted so the line is not mistaken for a blank one.
  if (fields.length === 1 && fields[0] === '') return '""\n';
  return `${fields.map(csvField).join(',')}\n`;
}

/**
 * Renders a result byte-for-byte like InfluxDB 3 (arrow-rs writers): JSON rows leave NULL columns
 * out, timestamps are zone-less ISO strings, 64-bit integers keep every digit, floats keep `.0`.
 */
export function formatResult(result: QueryResult, format: TextFormat): { contentType: string; body: string } {
  const types = result.columns.map((c) => parseType(c.type));
  const names = result.columns.map((c) => c.name);
  const contentType = CONTENT_TYPES[format];
  switch (format) {
    case 'json':
    case 'jsonl': {
      const keys = names.map((n) => JSON.stringify(n));
      const objects = result.rows.map((row) => {
        const parts: string[] = [];
        for (let c = 0; c < keys.length; c++) {
          const enc = jsonValue(row[c], types[c]!);
          if (enc !== undefined) parts.push(`${keys[c]}:${enc}`);
        }
        return `{${parts.join(',')}}`;
      });
      // Every text body ends with a newline, so that curl's output is not glued to the shell prompt.
      const body = format === 'json' ? `[${objects.join(',')}]\n` : objects.map((o) => `${o}\n`).join('');
      return { contentType, body };
    }
    case 'csv': {
      let body = csvRecord(names);
      for (const row of result.rows) body += csvRecord(row.map((v, c) => displayValue(v, types[c]!)));
      return { contentType, body };
    }
    case 'pretty':
      return { contentType, body: `${prettyTable(names, result.rows.map((row) => row.map((v, c) => displayValue(v, types[c]!))))}\n` };
  }
}
