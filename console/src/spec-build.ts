// The create form's spec builder, pure: the spec string a choice makes, whether the server will take it (its own
// parser, bundled), a cron expression's next firing times (the server's evaluator: croner in UTC, Quartz 6–7 fields
// with 1 = Sunday, classic 5 fields) and a request trigger's URL with a curl example.
import { parseTriggerSpec } from '../../src/engine/triggers/trigger-spec.js';
import { CronExpression } from '../../src/engine/triggers/schedules/cron-expression.js';

export type SpecKind = 'table' | 'all_tables' | 'every' | 'cron' | 'request';

export interface SpecDraft {
  kind: SpecKind;
  table: string;
  every: string;
  cron: string;
  path: string;
}

export const EMPTY_DRAFT: SpecDraft = { kind: 'every', table: '', every: '1m', cron: '0 0 * * * *', path: '' };

export function buildSpec(d: SpecDraft): string {
  switch (d.kind) {
    case 'table':
      return `table:${d.table.trim()}`;
    case 'all_tables':
      return 'all_tables';
    case 'every':
      return `every:${d.every.trim()}`;
    case 'cron':
      return `cron:${d.cron.trim()}`;
    case 'request':
      return `request:${d.path.trim().replace(/^\/+/, '')}`;
  }
}

// null when the server's parser accepts the spec, else its message (the text the server would answer).
export function specProblem(spec: string): string | null {
  try {
    parseTriggerSpec(spec);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

// The next `count` firing times (epoch ms) strictly after fromMs; throws the server's cron syntax error.
export function nextCronTimes(expression: string, fromMs: number, count = 5): number[] {
  const cron = CronExpression.parse(expression);
  const out: number[] = [];
  let after = fromMs;
  while (out.length < count) {
    const next = cron.nextAfter(after);
    if (next === null) break;
    out.push(next);
    after = next;
  }
  return out;
}

// A UTC instant as `YYYY-MM-DD HH:MM:SS UTC` (schedules run in UTC on the server).
export function utcText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

// Where a request trigger answers: /api/v3/engine/<path>, the path as stored (no leading `/`).
export function requestUrl(origin: string, path: string): string {
  return `${origin}/api/v3/engine/${path.trim().replace(/^\/+/, '')}`;
}

// A curl call of the trigger; the token stays a shell variable (never the user's own in the page).
export function curlExample(url: string): string {
  return [
    `curl -X POST '${url.replace(/'/g, "'\\''")}' \\`,
    '  -H "Authorization: Bearer $INFLUXDB3_AUTH_TOKEN" \\',
    "  -H 'Content-Type: application/json' \\",
    `  -d '{"hello": "world"}'`,
  ].join('\n');
}
