import { planningError } from '../query-errors.js';
import type { Token } from '../sql-lexer.js';
import type { Span } from './call-sites.js';
import { formatWithChrono, parseWithChrono } from './chrono-format.js';
import { GAPFILL_FUNCTIONS } from './gapfill/gap-fill.js';
import { TIME_ZONE_FUNCTIONS } from './time-zones.js';
import type { CallContext, SqlFunction } from './sql-function.js';

// Time and date functions. now, date_bin and to_timestamp* without formats are macros (time-macros.ts), installed
// with DATAFUSION_MACROS before every other macro, which may call them.

// The value of an argument written as one string literal, else undefined.
export function literalString(tokens: Token[], span: Span | undefined): string | undefined {
  if (!span) return undefined;
  const inside = tokens.filter((t) => t.start >= span.start && t.end <= span.end);
  return inside.length === 1 && inside[0]!.kind === 'string' ? inside[0]!.value : undefined;
}

// The format arguments (from the second on) as literals; DataFusion accepts any string expression, we need them
// at planning time to translate chrono's syntax.
function formatArgs(ctx: CallContext, name: string): string[] {
  return ctx.call.args.slice(1).map((span, i) => {
    const value = literalString(ctx.tokens, span);
    if (value === undefined) throw planningError(`${name} needs its format argument ${i + 2} as a string literal`);
    return value;
  });
}

// to_timestamp_*(value, format, ...): the formats tried in order; with no format, the macro (epoch numbers, ISO strings).
const parsed = (target: string) => (ctx: CallContext): string | undefined => {
  if (ctx.call.args.length < 2) return undefined;
  // DuckDB casts TIMESTAMP_NS to the coarser units only through TIMESTAMP.
  const ns = parseWithChrono(ctx.arg(0)!, formatArgs(ctx, ctx.call.name));
  return target === 'TIMESTAMP_NS' ? ns : `CAST(CAST(${ns} AS TIMESTAMP) AS ${target})`;
};

const INTEGER_TYPES = `('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT')`;

// DataFusion's date_part gives Int32 for every field but epoch (Float64); DuckDB gives BIGINT.
function datePart(ctx: CallContext): string {
  const field = literalString(ctx.tokens, ctx.call.args[0])?.toLowerCase();
  const call = `date_part(${ctx.arg(0)}, ${ctx.arg(1)})`;
  return field === 'epoch' ? `CAST(${call} AS DOUBLE)` : `CAST(${call} AS INTEGER)`;
}

// DataFusion's date_trunc keeps nanosecond timestamps; DuckDB's answers in microseconds.
const dateTrunc = (ctx: CallContext): string => `CAST(date_trunc(${ctx.arg(0)}, CAST(${ctx.arg(1)} AS TIMESTAMP_NS)) AS TIMESTAMP_NS)`;

function toChar(ctx: CallContext): string {
  const format = literalString(ctx.tokens, ctx.call.args[1]);
  if (format === undefined) throw planningError(`${ctx.call.name} needs its format as a string literal`);
  return formatWithChrono(`CAST(${ctx.arg(0)} AS TIMESTAMP_NS)`, format);
}

export const TIME_FUNCTIONS: SqlFunction[] = [
  { name: 'to_timestamp', rewrite: parsed('TIMESTAMP_NS') },
  { name: 'to_timestamp_nanos', rewrite: parsed('TIMESTAMP_NS') },
  { name: 'to_timestamp_micros', rewrite: parsed('TIMESTAMP') },
  { name: 'to_timestamp_millis', rewrite: parsed('TIMESTAMP_MS') },
  { name: 'to_timestamp_seconds', rewrite: parsed('TIMESTAMP_S') },
  { name: 'current_timestamp', rewrite: () => 'now()' },
  // Time64(Nanosecond): DuckDB's TIME is microseconds, and casts into TIME_NS only from text.
  { name: 'current_time', rewrite: () => `CAST(strftime(now(), '%H:%M:%S.%n') AS TIME_NS)` },
  // As a function call: a bare current_date would name a column aliased current_date.
  { name: 'today', rewrite: () => 'CAST(now() AS DATE)' },
  { name: 'current_date', rewrite: () => 'CAST(now() AS DATE)' },
  { name: 'date_part', rewrite: datePart },
  { name: 'datepart', rewrite: datePart },
  {
    name: 'extract',
    rewrite: ({ call, render, tokens }) => {
      const inner = render(call.args[0]!);
      const field = tokens.find((t) => t.start >= call.args[0]!.start)?.value.toLowerCase();
      return field === 'epoch' ? `CAST(extract(${inner}) AS DOUBLE)` : `CAST(extract(${inner}) AS INTEGER)`;
    },
  },
  { name: 'date_trunc', rewrite: dateTrunc },
  { name: 'datetrunc', rewrite: dateTrunc },
  // Seconds since the epoch to Timestamp(Second).
  { name: 'from_unixtime', rewrite: ({ arg }) => `CAST(make_timestamp(CAST(${arg(0)} AS BIGINT) * 1000000) AS TIMESTAMP_S)` },
  { name: 'to_char', rewrite: toChar },
  { name: 'date_format', rewrite: toChar },
  {
    name: 'to_date',
    macros: [
      `CREATE OR REPLACE TEMP MACRO __iox_to_date(x) AS
         CASE WHEN typeof(x) IN ${INTEGER_TYPES} THEN DATE '1970-01-01' + TRY_CAST(x AS INTEGER)
           ELSE CAST(CAST(CAST(x AS VARCHAR) AS TIMESTAMP) AS DATE) END`,
    ],
    rewrite: (ctx) =>
      ctx.call.args.length < 2 ? `__iox_to_date(${ctx.arg(0)})` : `CAST(${parseWithChrono(ctx.arg(0)!, formatArgs(ctx, 'to_date'))} AS DATE)`,
  },
  {
    name: 'to_unixtime',
    macros: [
      `CREATE OR REPLACE TEMP MACRO __iox_to_unixtime(x) AS
         CASE WHEN typeof(x) IN ${INTEGER_TYPES} THEN TRY_CAST(x AS BIGINT)
           ELSE epoch_ns(to_timestamp_nanos(x)) // 1000000000 END`,
    ],
    rewrite: (ctx) =>
      ctx.call.args.length < 2
        ? `__iox_to_unixtime(${ctx.arg(0)})`
        : `(epoch_ns(${parseWithChrono(ctx.arg(0)!, formatArgs(ctx, 'to_unixtime'))}) // 1000000000)`,
  },
  ...GAPFILL_FUNCTIONS,
  ...TIME_ZONE_FUNCTIONS,
];
