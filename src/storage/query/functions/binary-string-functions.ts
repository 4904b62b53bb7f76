import type { SqlFunction } from './sql-function.js';

// A string's UTF-8 bytes or a binary value's bytes, as BLOB (DuckDB's one-argument encode is shadowed below).
const BYTES = `CASE WHEN typeof(x) = 'BLOB' THEN TRY_CAST(x AS BLOB) ELSE system.main.encode(CAST(x AS VARCHAR)) END`;
const unknown = (f: string): string =>
  `error('There is no built-in encoding named ''' || ${f} || ''', currently supported encodings are: base64, hex')`;

// DataFusion's encode(x, 'base64' | 'hex') -> Utf8 (base64 without padding) and decode(x, format) -> Binary.
export const BINARY_STRING_FUNCTIONS: SqlFunction[] = [
  {
    name: 'encode',
    macros: [
      `CREATE OR REPLACE TEMP MACRO encode(x, f) AS CASE lower(f)
         WHEN 'hex' THEN lower(hex(${BYTES}))
         WHEN 'base64' THEN rtrim(to_base64(${BYTES}), '=')
         ELSE ${unknown('f')} END`,
    ],
  },
  {
    name: 'decode',
    macros: [
      `CREATE OR REPLACE TEMP MACRO decode(x, f) AS CASE lower(f)
         WHEN 'hex' THEN unhex(CAST(x AS VARCHAR))
         WHEN 'base64' THEN from_base64(rtrim(CAST(x AS VARCHAR), '=') || repeat('=', (4 - length(rtrim(CAST(x AS VARCHAR), '=')) % 4) % 4))
         ELSE CAST(${unknown('f')} AS BLOB) END`,
    ],
  },
];
