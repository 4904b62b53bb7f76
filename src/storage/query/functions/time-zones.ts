import { planningError } from '../query-errors.js';
import { isKeyword, matchingParen, type Token } from '../sql-lexer.js';
import type { Edit } from '../sql-rewrite.js';
import type { Span } from './call-sites.js';
import type { CallContext, SqlFunction } from './sql-function.js';

// DataFusion's Timestamp(Nanosecond, Some("Zone")) has no DuckDB type: it travels as a one-field struct whose field
// name carries the zone, `STRUCT("__iox_tz:Zone" TIMESTAMP_NS)` holding the UTC instant; result-convert reports it as
// the zoned Arrow type. Rewrites that consume one know its zone from the SQL (tz(x, 'Zone'), x AT TIME ZONE 'Zone').
export const ZONED_FIELD_PREFIX = '__iox_tz:';

const isPunct = (t: Token | undefined, value: string): boolean => t?.kind === 'punct' && t.value === value;
const field = (zone: string): string => `"${ZONED_FIELD_PREFIX}${zone.replace(/"/g, '""')}"`;
export const zoned = (zone: string, instant: string): string => `struct_pack(${field(zone)} := ${instant})`;
const zoneLiteral = (zone: string): string => `'${zone.replace(/'/g, "''")}'`;
// A UTC instant (TIMESTAMP_NS) as the wall-clock time in `zone`, and back (an ambiguous wall time takes ICU's choice).
export const toWallClock = (zone: string, instant: string): string => `CAST(timezone(${zoneLiteral(zone)}, CAST(${instant} AS TIMESTAMPTZ)) AS TIMESTAMP_NS)`;
export const fromWallClock = (zone: string, wall: string): string => `CAST(timezone(${zoneLiteral(zone)}, CAST(${wall} AS TIMESTAMP)) AS TIMESTAMP_NS)`;
export const instantOf = (zone: string, value: string): string => `struct_extract(${value}, '${ZONED_FIELD_PREFIX}${zone.replace(/'/g, "''")}')`;

// A zone name chrono-tz knows; Intl knows the same IANA names.
function checkZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw planningError(`Invalid timezone "${zone}": failed to parse timezone`);
  }
  return zone;
}

// Tokens of a span, trimmed of parentheses wrapping it whole.
function inner(tokens: Token[], span: Span): { from: number; to: number } {
  let from = tokens.findIndex((t) => t.start >= span.start);
  let to = from;
  while (to < tokens.length && tokens[to]!.end <= span.end) to++;
  while (isPunct(tokens[from], '(') && matchingParen(tokens, from) === to - 1) {
    from++;
    to--;
  }
  return { from, to };
}

/** The zone of an expression the SQL makes zoned: tz(x, 'Zone'), date_bin_wallclock(i, tz(...)), x AT TIME ZONE 'Zone'. */
export function zoneOf(tokens: Token[], span: Span): string | undefined {
  const { from, to } = inner(tokens, span);
  if (to - from >= 4 && isKeyword(tokens[to - 4], 'at') && isKeyword(tokens[to - 3], 'time') && isKeyword(tokens[to - 2], 'zone') && tokens[to - 1]!.kind === 'string') {
    return tokens[to - 1]!.value;
  }
  const head = tokens[from];
  if (head?.kind !== 'ident' || !isPunct(tokens[from + 1], '(') || matchingParen(tokens, from + 1) !== to - 1) return undefined;
  const name = head.value.toLowerCase();
  const args = topLevelArgs(tokens, from + 2, to - 1);
  if (name === 'tz' && args.length === 2) {
    const z = tokens[args[1]!.from]!;
    return args[1]!.to - args[1]!.from === 1 && z.kind === 'string' ? z.value : undefined;
  }
  if (name === 'date_bin_wallclock' && args.length >= 2) return zoneOf(tokens, { start: tokens[args[1]!.from]!.start, end: tokens[args[1]!.to - 1]!.end });
  return undefined;
}

function topLevelArgs(tokens: Token[], from: number, to: number): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  let start = from;
  for (let i = from; i < to; i++) {
    if (isPunct(tokens[i], '(') || isPunct(tokens[i], '[')) i = matchingParen(tokens, i);
    else if (isPunct(tokens[i], ',')) {
      out.push({ from: start, to: i });
      start = i + 1;
    }
  }
  if (to > start) out.push({ from: start, to });
  return out;
}

// The UTC instant of a value as TIMESTAMP_NS: zoned structs give theirs, TIMESTAMPTZ and offset strings convert, a
// naive timestamp is read as UTC.
function instant(ctx: CallContext, i: number): string {
  const zone = zoneOf(ctx.tokens, ctx.call.args[i]!);
  return zone === undefined ? `CAST(${ctx.arg(i)} AS TIMESTAMP_NS)` : instantOf(zone, ctx.arg(i)!);
}

function zoneArg(ctx: CallContext, i: number): string {
  const span = ctx.call.args[i];
  const t = span && ctx.tokens.filter((k) => k.start >= span.start && k.end <= span.end);
  if (!t || t.length !== 1 || t[0]!.kind !== 'string') throw planningError(`${ctx.call.name} needs its time zone as a string literal`);
  return checkZone(t[0]!.value);
}

export const TIME_ZONE_FUNCTIONS: SqlFunction[] = [
  // InfluxDB's tz(time, zone): the same instant shown in `zone` (a timestamp without zone is UTC).
  { name: 'tz', rewrite: (ctx) => zoned(zoneArg(ctx, 1), instant(ctx, 0)) },
  // The wall-clock time of a zoned timestamp, without zone.
  {
    name: 'to_local_time',
    rewrite: (ctx) => {
      const zone = zoneOf(ctx.tokens, ctx.call.args[0]!);
      return zone === undefined ? `CAST(${ctx.arg(0)} AS TIMESTAMP_NS)` : toWallClock(zone, instantOf(zone, ctx.arg(0)!));
    },
  },
  // date_bin on the wall-clock time of a zoned timestamp; the bin start is a time in the same zone.
  {
    name: 'date_bin_wallclock',
    rewrite: (ctx) => {
      const zone = zoneOf(ctx.tokens, ctx.call.args[1]!);
      const origin = ctx.call.args.length > 2 ? `, CAST(${ctx.arg(2)} AS TIMESTAMP_NS)` : '';
      if (zone === undefined) return `date_bin(${ctx.arg(0)}, ${ctx.arg(1)}${origin})`;
      return zoned(zone, fromWallClock(zone, `date_bin(${ctx.arg(0)}, ${toWallClock(zone, instantOf(zone, ctx.arg(1)!))}${origin})`));
    },
  },
];

/**
 * `x AT TIME ZONE 'Zone'`: DataFusion reads a timestamp without zone as wall-clock time in Zone, and shows a zoned
 * one in Zone. The left operand is the primary expression before AT (a name, literal, call or parentheses, with
 * `::type` casts).
 */
export function atTimeZoneEdits(tokens: Token[]): Edit[] {
  const edits: Edit[] = [];
  for (let i = 1; i + 3 < tokens.length; i++) {
    if (!(isKeyword(tokens[i], 'at') && isKeyword(tokens[i + 1], 'time') && isKeyword(tokens[i + 2], 'zone') && tokens[i + 3]!.kind === 'string')) continue;
    const zone = checkZone(tokens[i + 3]!.value);
    const start = operandStart(tokens, i - 1);
    if (start < 0) continue;
    const left: Span = { start: tokens[start]!.start, end: tokens[i - 1]!.end };
    const leftZone = zoneOf(tokens, left);
    edits.push({
      start: left.start,
      end: tokens[i + 3]!.end,
      render: (render) => {
        const x = render(left.start, left.end);
        // Both branches bind for TIMESTAMPTZ and plain timestamps alike; typeof picks at run time.
        const at =
          leftZone !== undefined
            ? instantOf(leftZone, x)
            : `CASE WHEN typeof(${x}) = 'TIMESTAMP WITH TIME ZONE' THEN CAST(${x} AS TIMESTAMP_NS) ELSE ${fromWallClock(zone, x)} END`;
        return zoned(zone, at);
      },
    });
  }
  return edits;
}

// Words before a parenthesis that are not a function's name.
const KEYWORDS = new Set(['select', 'where', 'and', 'or', 'not', 'on', 'by', 'when', 'then', 'else', 'case', 'in', 'from', 'as', 'having', 'distinct', 'is', 'between', 'like', 'exists', 'all', 'any', 'using', 'join', 'over', 'filter', 'within', 'group']);

// The first token of the primary expression ending at token `last`.
function operandStart(tokens: Token[], last: number): number {
  let i = last;
  for (;;) {
    const t = tokens[i];
    if (!t) return -1;
    let start = i;
    if (isPunct(t, ')')) {
      let depth = 0;
      for (let k = i; k >= 0; k--) {
        if (isPunct(tokens[k], ')')) depth++;
        else if (isPunct(tokens[k], '(') && --depth === 0) {
          start = k;
          break;
        }
      }
      const before = tokens[start - 1];
      if (before?.kind === 'ident' && !KEYWORDS.has(before.value.toLowerCase())) start--;
    }
    while (isPunct(tokens[start - 1], '.') && tokens[start - 2]) start -= 2;
    // `x::type`: the cast's operand comes before.
    if (isPunct(tokens[start - 1], ':') && isPunct(tokens[start - 2], ':')) {
      i = start - 3;
      continue;
    }
    // TIMESTAMP '...' literals.
    if (t.kind === 'string' && tokens[start - 1]?.kind === 'ident' && /^timestamp|^date|^time$/i.test(tokens[start - 1]!.value)) start--;
    return start;
  }
}
