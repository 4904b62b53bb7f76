import type { Field, ParsedLine } from '../types.js';
import { unserializableLine } from './errors.js';
import { escapeKey, escapeMeasurement, quoteString } from './escapes.js';

// Characters no escape can carry in a name: the line splitter and the scanner would cut there.
function checkName(kind: string, name: string): void {
  if (name.length === 0) throw unserializableLine(`${kind} is empty`);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 10 || c === 9) throw unserializableLine(`${kind} '${name}' contains a ${c === 10 ? 'newline' : 'tab'}`);
  }
}

function fieldValue(field: Field): string {
  const { type, value } = field;
  switch (type) {
    case 'int64':
      return `${value}i`;
    case 'uint64':
      return `${value}u`;
    case 'bool':
      return value ? 'true' : 'false';
    case 'utf8':
      return quoteString(String(value));
    case 'float64': {
      const n = Number(value);
      if (!Number.isFinite(n)) throw unserializableLine(`field '${field.key}' has the non-finite float ${n}`);
      return Object.is(n, -0) ? '-0' : String(n);
    }
  }
}

// The inverse of the parser: tests round-trip through it and dry-run writes capture lines with it.
export function serializeLine(line: ParsedLine & { timestamp: bigint | null }): string {
  checkName('measurement', line.measurement);
  if (line.measurement.charCodeAt(0) === 35) {
    throw unserializableLine(`measurement '${line.measurement}' starts with '#', which would make the line a comment`);
  }
  if (line.fields.length === 0) throw unserializableLine('No fields were provided');
  let out = escapeMeasurement(line.measurement);
  for (const [key, value] of line.tags) {
    checkName('tag key', key);
    checkName('tag value', value);
    out += `,${escapeKey(key)}=${escapeKey(value)}`;
  }
  let sep = ' ';
  for (const field of line.fields) {
    checkName('field key', field.key);
    out += `${sep}${escapeKey(field.key)}=${fieldValue(field)}`;
    sep = ',';
  }
  if (line.timestamp !== null) out += ` ${line.timestamp}`;
  return out;
}
