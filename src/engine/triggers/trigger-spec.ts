import { AppError, errorMessage } from '../../shared/app-error.js';
import { formatDurationNs, parseDurationNs } from '../../shared/duration.js';
import { CronExpression } from './schedules/cron-expression.js';

// The three families `--restrict-plugin-triggers-to` speaks of.
export type TriggerKind = 'wal' | 'schedule' | 'request';

// A parsed `--trigger-spec`; `kind` says which dispatcher runs it, `form` which of the five spellings it was.
export type TriggerSpec =
  | { kind: 'wal'; form: 'table'; table: string }
  | { kind: 'wal'; form: 'all_tables' }
  | { kind: 'schedule'; form: 'cron'; expression: string }
  | { kind: 'schedule'; form: 'every'; durationNs: bigint; periodMs: number }
  | { kind: 'request'; form: 'request'; path: string };

const NS_PER_MS = 1_000_000n;
const ONE_YEAR_NS = parseDurationNs('1 year');
const FORMS_HINT =
  "expect one of the following forms: 'table:<TABLE_NAME>', 'all_tables', 'cron:<CRON_EXPRESSION>', 'every:<DURATION>', or 'request:<PATH>'";

// Upstream's wording (`failed to parse trigger from <spec>: <context>`); a bad spec is a 500 there.
export function triggerSpecError(spec: string, context: string): AppError {
  return new AppError('invalid_trigger_spec', `failed to parse trigger from ${spec}: ${context}`, { status: 500 });
}

// Parses the five spec forms upstream accepts, with upstream's trimming and error texts.
export function parseTriggerSpec(input: string): TriggerSpec {
  const spec = input.trim();
  const rest = (prefix: string): string => spec.slice(prefix.length).trim();
  if (spec.startsWith('table:')) {
    const table = rest('table:');
    if (table === '') throw triggerSpecError(spec, 'table name is empty');
    return { kind: 'wal', form: 'table', table };
  }
  if (spec === 'all_tables') return { kind: 'wal', form: 'all_tables' };
  if (spec.startsWith('cron:')) {
    const expression = rest('cron:');
    try {
      CronExpression.parse(expression);
    } catch (err) {
      throw triggerSpecError(spec, errorMessage(err));
    }
    return { kind: 'schedule', form: 'cron', expression };
  }
  if (spec.startsWith('every:')) return parseEvery(spec, rest('every:'));
  if (spec.startsWith('request:')) {
    // Stored without a leading `/`: `request:/foo` and `request:foo` both serve /api/v3/engine/foo.
    const path = rest('request:').replace(/^\/+/, '');
    if (path === '') throw triggerSpecError(spec, 'request path is empty');
    return { kind: 'request', form: 'request', path };
  }
  throw triggerSpecError(spec, FORMS_HINT);
}

function parseEvery(spec: string, text: string): TriggerSpec {
  let durationNs: bigint;
  try {
    durationNs = parseDurationNs(text);
  } catch (err) {
    throw triggerSpecError(spec, `couldn't parse to duration: ${errorMessage(err)}`);
  }
  if (durationNs > ONE_YEAR_NS) throw triggerSpecError(spec, "don't support every schedules of over 1 year");
  // Upstream divides by the period in whole milliseconds, so anything under 1 ms would be a division by zero.
  if (durationNs < NS_PER_MS) {
    throw triggerSpecError(spec, `every duration must be at least 1ms, got '${text}' (${formatDurationNs(durationNs)})`);
  }
  return { kind: 'schedule', form: 'every', durationNs, periodMs: Number(durationNs / NS_PER_MS) };
}

// The form the CLI sends and the catalog shows: `every:` re-rendered by humantime, the rest echoed trimmed.
export function canonicalSpec(spec: TriggerSpec): string {
  switch (spec.form) {
    case 'table':
      return `table:${spec.table}`;
    case 'all_tables':
      return 'all_tables';
    case 'cron':
      return `cron:${spec.expression}`;
    case 'every':
      return `every:${formatDurationNs(spec.durationNs)}`;
    case 'request':
      return `request:${spec.path}`;
  }
}

// Upstream's serde (externally tagged, snake_case) JSON, as `system.processing_engine_triggers` prints it (docs/compatibility.md).
export function specToSerdeJson(spec: TriggerSpec): string {
  switch (spec.form) {
    case 'table':
      return JSON.stringify({ single_table_wal_write: { table_name: spec.table } });
    case 'all_tables':
      return JSON.stringify('all_tables_wal_write');
    case 'cron':
      return JSON.stringify({ schedule: { schedule: spec.expression } });
    case 'every': {
      const secs = spec.durationNs / 1_000_000_000n;
      const nanos = spec.durationNs % 1_000_000_000n;
      return `{"every":{"duration":{"secs":${secs},"nanos":${nanos}}}}`;
    }
    case 'request':
      return JSON.stringify({ request_path: { path: spec.path } });
  }
}

const UPSTREAM_KIND: Record<TriggerKind, string> = { wal: 'WalRows', schedule: 'Schedule', request: 'Request' };

// Upstream's PluginType names, used in its restriction error text.
export function upstreamKindName(kind: TriggerKind): string {
  return UPSTREAM_KIND[kind];
}

// Enforces `--restrict-plugin-triggers-to` before a trigger is stored (null = no restriction).
export function checkAllowedKind(spec: TriggerSpec, allowed: ReadonlyArray<TriggerKind> | null): void {
  if (allowed === null || allowed.includes(spec.kind)) return;
  throw new AppError('trigger_kind_rejected', `server is configured to reject ${upstreamKindName(spec.kind)} plugin triggers`, {
    status: 400,
  });
}
