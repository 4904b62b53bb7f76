import { planningError } from '../../query-errors.js';
import { isKeyword, matchingParen, type Token } from '../../sql-lexer.js';
import type { Edit } from '../../sql-rewrite.js';
import { findCalls, type CallSite } from '../call-sites.js';
import type { SqlFunction } from '../sql-function.js';
import { enclosingSelect, parseSelect, type SelectItem, type SelectParts } from './select-parts.js';
import { columnName, findTimeRange, type Bound } from './time-range.js';
import { fromWallClock, toWallClock, zoned, zoneOf } from '../time-zones.js';

// Gap filling as InfluxDB 3 (IOx) does it: `date_bin_gapfill(stride, time[, origin])` in a GROUP BY query bins like
// date_bin, then every missing bin between the WHERE clause's time bounds is added for each series (the other
// GROUP BY values), its aggregates NULL (count 0), carried forward by locf(agg) or interpolated by interpolate(agg).

const GAPFILL = 'date_bin_gapfill';
// The same on the wall-clock time of tz(time, 'Zone'); bins are generated in wall-clock time and shown in Zone.
const WALLCLOCK_GAPFILL = 'date_bin_wallclock_gapfill';
const FILLS = new Set(['locf', 'interpolate']);

// The names outside a gap-filling query: DataFusion's planning errors (a gap-filling query renders around them).
export const GAPFILL_FUNCTIONS: SqlFunction[] = [
  { name: GAPFILL, rewrite: () => { throw planningError(`${GAPFILL} may only be used as a GROUP BY expression`); } },
  { name: WALLCLOCK_GAPFILL, rewrite: () => { throw planningError(`${WALLCLOCK_GAPFILL} may only be used as a GROUP BY expression`); } },
  { name: 'locf', rewrite: () => { throw planningError('locf may only be used in the SELECT list of a gap-filling query'); } },
  { name: 'interpolate', rewrite: () => { throw planningError('interpolate may only be used in the SELECT list of a gap-filling query'); } },
];

type Role = { kind: 'time' } | { kind: 'key' } | { kind: 'value'; fill: 'null' | 'locf' | 'interpolate'; inner: { from: number; to: number }; count: boolean };

const text = (sql: string, tokens: Token[], r: { from: number; to: number }): string => sql.slice(tokens[r.from]!.start, tokens[r.to - 1]!.end);
const norm = (sql: string, tokens: Token[], r: { from: number; to: number }): string => text(sql, tokens, r).replace(/\s+/g, '').toLowerCase();
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

// Whether a select item is one GROUP BY entry: the same expression, its alias or its position.
function grouped(sql: string, tokens: Token[], parts: SelectParts, index: number): boolean {
  const it = parts.items[index]!;
  return parts.groupBy.some((g) => {
    const entry = norm(sql, tokens, g);
    if (entry === String(index + 1)) return true;
    if (it.alias !== null && columnName(tokens, g.from, g.to) === it.alias.toLowerCase()) return true;
    return entry === norm(sql, tokens, it.expr);
  });
}

function roleOf(sql: string, tokens: Token[], parts: SelectParts, index: number, call: CallSite): Role {
  const it = parts.items[index]!;
  if (it.expr.from === call.nameToken && it.expr.to === call.closeToken + 1) return { kind: 'time' };
  const head = tokens[it.expr.from]!;
  const fill = head.kind === 'ident' && FILLS.has(head.value.toLowerCase()) && matchingParen(tokens, it.expr.from + 1) === it.expr.to - 1;
  if (grouped(sql, tokens, parts, index)) {
    if (fill) throw planningError(`${head.value.toLowerCase()} must be called on an aggregate column in a gap-filling query`);
    return { kind: 'key' };
  }
  const inner = fill ? { from: it.expr.from + 2, to: it.expr.to - 1 } : it.expr;
  // locf(region) where region is grouped: the fill must wrap an aggregate.
  if (fill && parts.groupBy.some((g) => norm(sql, tokens, g) === norm(sql, tokens, inner))) {
    throw planningError(`${head.value.toLowerCase()} must be called on an aggregate column in a gap-filling query`);
  }
  const count = isKeyword(tokens[inner.from], 'count');
  return { kind: 'value', fill: fill ? (head.value.toLowerCase() as 'locf' | 'interpolate') : 'null', inner, count };
}

// The output name of an item: its alias, the column it names, or its text (as DuckDB names expressions).
function outputName(sql: string, tokens: Token[], it: SelectItem): string {
  return it.alias ?? columnName(tokens, it.expr.from, it.expr.to) ?? text(sql, tokens, it.expr);
}

/** The edits turning each gap-filling SELECT into its aggregate plus the fill. */
export function gapFillEdits(sql: string, tokens: Token[]): Edit[] {
  const calls = findCalls(tokens, new Set([GAPFILL, WALLCLOCK_GAPFILL]));
  const edits: Edit[] = [];
  const seen = new Set<number>();
  for (const call of calls) {
    const scope = enclosingSelect(tokens, call.nameToken);
    const parts = scope && parseSelect(tokens, scope.select, scope.end);
    if (!parts || parts.groupBy.length === 0) throw planningError(`${call.name} may only be used as a GROUP BY expression`);
    if (seen.has(parts.select)) throw planningError('DATE_BIN_GAPFILL specified more than once');
    seen.add(parts.select);
    edits.push(planGapFill(sql, tokens, parts, call));
  }
  return edits;
}

function planGapFill(sql: string, tokens: Token[], parts: SelectParts, call: CallSite): Edit {
  if (call.args.length < 2 || call.args.length > 3) throw planningError(`DATE_BIN_GAPFILL expects 2 or 3 arguments, got ${call.args.length}`);
  const roles = parts.items.map((_, i) => roleOf(sql, tokens, parts, i, call));
  const timeIndex = roles.findIndex((r) => r.kind === 'time');
  if (timeIndex < 0 || !grouped(sql, tokens, parts, timeIndex)) {
    throw planningError('DATE_BIN_GAPFILL must be a top-level expression in the GROUP BY clause when gap filling. It cannot be part of another expression or cast');
  }
  const argRange = (k: number): { from: number; to: number } => {
    const span = call.args[k]!;
    const from = tokens.findIndex((t) => t.start >= span.start);
    let to = from;
    while (to < tokens.length && tokens[to]!.end <= span.end) to++;
    return { from, to };
  };
  let time = argRange(1);
  // Wall-clock binning reads tz(column, 'Zone'): the column bounds the range, the zone shapes the bins.
  const zone = call.name === WALLCLOCK_GAPFILL ? zoneOf(tokens, call.args[1]!) : undefined;
  if (call.name === WALLCLOCK_GAPFILL) {
    if (zone === undefined) throw planningError(`${WALLCLOCK_GAPFILL} requires tz(column, 'zone') as the source argument`);
    time = { from: time.from + 2, to: tzComma(tokens, time.from + 1) };
  }
  const column = columnName(tokens, time.from, time.to);
  if (column === undefined) throw planningError('DATE_BIN_GAPFILL requires a column as the source argument');
  const range = findTimeRange(tokens, parts.where, column);
  const keys = roles.flatMap((r, i) => (r.kind === 'key' ? [i] : []));
  const names = parts.items.map((it) => outputName(sql, tokens, it));
  const tokenSpan = (r: { from: number; to: number }) => ({ start: tokens[r.from]!.start, end: tokens[r.to - 1]!.end });

  return {
    start: tokens[parts.select]!.start,
    end: tokens[parts.end - 1]!.end,
    render: (inner) => {
      const r = (x: { from: number; to: number }): string => {
        const s = tokenSpan(x);
        return inner(s.start, s.end);
      };
      const stride = r(argRange(0));
      const origin = call.args.length === 3 ? `, ${r(argRange(2))}` : '';
      const wall = (t: string): string => (zone === undefined ? t : toWallClock(zone, t));
      const bin = (t: string): string => `date_bin(${stride}, ${wall(t)}${origin})`;
      const edge = (b: Bound, step: string): string => {
        const t = `CAST(${r(b)} AS TIMESTAMP_NS)`;
        return b.included ? t : `make_timestamp_ns(epoch_ns(${t}) ${step} 1)`;
      };
      const col = (i: number): string => `__gf_${i}`;
      const selectList = parts.items.map((it, i) => {
        const role = roles[i]!;
        const expr = role.kind === 'time' ? bin(`CAST(${r(time)} AS TIMESTAMP_NS)`) : role.kind === 'value' ? r(role.inner) : r(it.expr);
        return it.alias === null ? expr : `${expr} AS ${quote(it.alias)}`;
      });
      const aggregate = `SELECT * FROM (SELECT ${selectList.join(', ')} ${r(parts.body)}) __gf_in(${parts.items.map((_, i) => col(i)).join(', ')})`;
      const strideNs = `(epoch_us(TIMESTAMP '1970-01-01' + ${stride}) * 1000)`;
      const bounds = `SELECT epoch_ns(${bin(edge(range.lower, '+'))}) AS f, epoch_ns(${bin(edge(range.upper, '-'))}) AS l, ${strideNs} AS s`;
      const times = `SELECT make_timestamp_ns(f + unnest(range(0, CASE WHEN l >= f THEN (l - f) // s + 1 ELSE 0 END)) * s) AS __gf_t FROM __gf_b`;
      const series = keys.length > 0 ? `SELECT DISTINCT ${keys.map(col).join(', ')} FROM __gf_agg` : `SELECT 1 AS __gf_one FROM __gf_agg LIMIT 1`;
      const rowCols = parts.items.map((_, i) =>
        roles[i]!.kind === 'time' ? `__gf_times.__gf_t AS ${col(i)}` : roles[i]!.kind === 'key' ? `__gf_series.${col(i)}` : `a.${col(i)}`,
      );
      const on = [`a.${col(timeIndex)} = __gf_times.__gf_t`, ...keys.map((k) => `a.${col(k)} IS NOT DISTINCT FROM __gf_series.${col(k)}`)];
      const filled = `SELECT ${rowCols.join(', ')}, a.${col(timeIndex)} IS NOT NULL AS __gf_p FROM __gf_series CROSS JOIN __gf_times LEFT JOIN __gf_agg a ON ${on.join(' AND ')}`;
      const partition = keys.length > 0 ? `PARTITION BY ${keys.map(col).join(', ')} ` : '';
      const win = (frame: string): string => `OVER (${partition}ORDER BY ${col(timeIndex)} ROWS BETWEEN ${frame})`;
      const output = parts.items.map((_, i) => {
        const role = roles[i]!;
        const v = col(i);
        let expr = v;
        if (role.kind === 'time' && zone !== undefined) expr = zoned(zone, fromWallClock(zone, v));
        else if (role.kind === 'value' && role.fill === 'locf') expr = `last_value(${v} IGNORE NULLS) ${win('UNBOUNDED PRECEDING AND CURRENT ROW')}`;
        else if (role.kind === 'value' && role.fill === 'interpolate') expr = interpolate(v, col(timeIndex), win);
        else if (role.kind === 'value' && role.count) expr = `CASE WHEN __gf_p THEN ${v} ELSE 0 END`;
        return `${expr} AS ${quote(names[i]!)}`;
      });
      const order = parts.tail ? r(parts.tail) : `ORDER BY ${[...keys, timeIndex].map((i) => i + 1).join(', ')}`;
      return `SELECT * FROM (WITH __gf_agg AS (${aggregate}), __gf_b AS (${bounds}), __gf_times AS (${times}), __gf_series AS (${series}), __gf_rows AS (${filled}) SELECT ${output.join(', ')} FROM __gf_rows) __gf ${order}`;
    },
  };
}

// The top-level comma of the tz( call whose `(` is at `open`.
function tzComma(tokens: Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'punct') continue;
    if (t.value === '(' || t.value === '[') depth++;
    else if (t.value === ')' || t.value === ']') depth--;
    else if (t.value === ',' && depth === 1) return k;
  }
  return open + 1;
}

// Linear interpolation between the nearest non-NULL values before and after, by time; NULL at the edges.
function interpolate(v: string, t: string, win: (frame: string) => string): string {
  const before = win('UNBOUNDED PRECEDING AND 1 PRECEDING');
  const after = win('1 FOLLOWING AND UNBOUNDED FOLLOWING');
  const ns = `epoch_ns(${t})`;
  const pv = `last_value(${v} IGNORE NULLS) ${before}`;
  const pt = `last_value(CASE WHEN ${v} IS NOT NULL THEN ${ns} END IGNORE NULLS) ${before}`;
  const nv = `first_value(${v} IGNORE NULLS) ${after}`;
  const nt = `first_value(CASE WHEN ${v} IS NOT NULL THEN ${ns} END IGNORE NULLS) ${after}`;
  return `CASE WHEN ${v} IS NOT NULL THEN ${v} ELSE ${pv} + (${nv} - ${pv}) * (CAST(${ns} - ${pt} AS DOUBLE) / (${nt} - ${pt})) END`;
}
