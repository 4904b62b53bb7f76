import type { FieldType } from '../../types.js';
import type { Expr, SelectStatement } from './ast.js';
import { influxqlError } from './errors.js';
import { resolveRef, type MeasurementSchema } from './expr-sql.js';
import { byName, resolveSources, type ExecContext, type Series, type Target } from './host.js';
import { expandFields, planSelect, type SelectPlan } from './select-plan.js';
import { measurementSql, type MeasurementQuery } from './select-sql.js';
import { selectorAnswered, selectorShape } from './last-point.js';
import { applyTransforms, fillWindows, type Row } from './series-ops.js';
import { timeRange, isTimeRef } from './time.js';

function unionSchema(targets: Target[]): MeasurementSchema {
  const tags = new Set<string>();
  const fields = new Map<string, FieldType>();
  for (const { schema } of targets) {
    for (const t of schema.tags) tags.add(t);
    for (const [f, type] of schema.fields) if (!fields.has(f)) fields.set(f, type);
  }
  return { name: '', tags, fields };
}

function hasFieldRef(e: Expr, schema: MeasurementSchema): boolean {
  switch (e.kind) {
    case 'ref':
      return resolveRef(e, schema).kind === 'field';
    case 'call':
      return e.args.some((a) => hasFieldRef(a, schema));
    case 'binary':
      return hasFieldRef(e.left, schema) || hasFieldRef(e.right, schema);
    case 'paren':
      return hasFieldRef(e.expr, schema);
    default:
      return false;
  }
}

function bucket(t: bigint, interval: bigint, offset: bigint): bigint {
  const off = ((offset % interval) + interval) % interval;
  return t - ((((t - off) % interval) + interval) % interval);
}

interface Collected {
  name: string;
  tags: Record<string, string> | undefined;
  key: string;
  rows: Row[];
  limited: boolean;
}

function collect(target: Target, q: MeasurementQuery, plan: SelectPlan, rows: unknown[][], defaultTime: bigint): Collected[] {
  const series = new Map<string, Collected>();
  const n = q.groupTags.length;
  for (const r of rows) {
    const tagValues = r.slice(1, 1 + n) as string[];
    const key = JSON.stringify(tagValues);
    let s = series.get(key);
    if (!s) {
      const tags = n > 0 ? Object.fromEntries(q.groupTags.map((t, i) => [t, tagValues[i]!])) : undefined;
      series.set(key, (s = { name: target.schema.name, tags, key, rows: [], limited: q.limited }));
    }
    const sel = q.selIndex !== undefined ? (r[q.selIndex] as Record<string, unknown> | null) : null;
    let time = r[0] as bigint | null;
    if (time === null) time = plan.selector && sel ? (sel.t as bigint) : defaultTime;
    const row: Row = [time];
    for (const src of q.sources) row.push('index' in src ? r[src.index] ?? null : sel?.[src.aux] ?? null);
    s.rows.push(row);
  }
  return [...series.values()];
}

/** Runs a SELECT: one DuckDB query per measurement, then windows, fill, transformations and limits. */
export async function executeSelect(stmt: SelectStatement, ctx: ExecContext): Promise<Series[]> {
  const targets = resolveSources(stmt.sources, ctx);
  if (targets.length === 0) return [];
  const union = unionSchema(targets);
  const fields = expandFields(stmt, union).filter((f) => !isTimeRef(f.expr));
  const plan = planSelect(stmt, fields);
  if (!plan.columns.some((c) => !c.aux && hasFieldRef(c.expr, union))) {
    if (!plan.aggregate) throw influxqlError('statement must have at least one field in select clause');
    return [];
  }
  const range = timeRange(stmt.where, ctx.nowNs);
  if (range.min !== undefined && range.max !== undefined && range.min > range.max) return [];
  const time = stmt.groupBy.time;
  const upperNs = time && range.max === undefined ? ctx.nowNs : undefined;
  const defaultTime = range.min ?? 0n;
  const collected: Collected[] = [];
  for (const target of targets) {
    const options = { stmt, plan, schema: target.schema, range, nowNs: ctx.nowNs, upperNs };
    const q = measurementSql(options);
    if (!q) continue;
    const shape = ctx.host.selectorQuery && selectorShape(stmt, plan, target.schema);
    const op = shape && shape.dir === 'last' ? '>=' : '<=';
    const result = shape
      ? await ctx.host.selectorQuery!(target.db, shape, (ns) => (ns === undefined ? q.sql : measurementSql({ ...options, bound: { op, ns, tags: shape.tags } })!.sql), selectorAnswered)
      : await ctx.host.query(target.db, q.sql);
    collected.push(...collect(target, q, plan, result.rows, defaultTime));
  }
  if (collected.length === 0) return [];

  let start = 0n;
  let end = 0n;
  if (plan.aggregate && time) {
    const { intervalNs: iv, offsetNs: off } = time;
    if (range.min !== undefined) start = bucket(range.min, iv, off);
    else start = collected.reduce((m, s) => s.rows.reduce((mm, r) => (r[0] < mm ? r[0] : mm), m), collected[0]!.rows[0]![0]);
    end = bucket(range.max ?? ctx.nowNs, iv, off);
  }
  const countCols = plan.columns.map((c) => c.count && !c.transform);
  const transforms = plan.columns.map((c) => c.transform);
  const out: Series[] = [];
  collected.sort((a, b) => byName(a.name, b.name) || byName(a.key, b.key));
  const from = stmt.soffset ?? 0;
  const picked = collected.slice(from, stmt.slimit !== undefined ? from + stmt.slimit : undefined);
  for (const s of picked) {
    let rows = s.rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (plan.aggregate && time) rows = fillWindows(rows, start, end, time.intervalNs, stmt.fill, countCols);
    rows = applyTransforms(rows, transforms);
    if (stmt.orderDesc) rows.reverse();
    if (!s.limited && (stmt.offset !== undefined || stmt.limit !== undefined)) {
      const off = stmt.offset ?? 0;
      rows = rows.slice(off, stmt.limit !== undefined ? off + stmt.limit : undefined);
    }
    if (rows.length === 0) continue;
    const series: Series = { name: s.name, columns: ['time', ...plan.columns.map((c) => c.name)], values: rows };
    if (s.tags) series.tags = s.tags;
    out.push(series);
  }
  return out;
}
