import type { Token } from '../sql-lexer.js';
import type { Edit } from '../sql-rewrite.js';
import { gapFillEdits } from './gapfill/gap-fill.js';
import { timestampTypeEdits } from './time-casts.js';
import { atTimeZoneEdits } from './time-zones.js';

// The time rewrites that are not calls: TIMESTAMP as nanoseconds, AT TIME ZONE, and gap-filling SELECTs.
export function timeQueryEdits(sql: string, tokens: Token[]): Edit[] {
  return [...timestampTypeEdits(tokens), ...atTimeZoneEdits(tokens), ...gapFillEdits(sql, tokens)];
}
