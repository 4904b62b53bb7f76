import { quoteIdent, quoteLiteral } from '../sql-names.js';
import type { Expr, SelectStatement } from './ast.js';
import { influxqlError } from './errors.js';
import { NUMERIC, arithSql, conditionSql, isMathFunction, mathSql, numberSql, refSql, resolveRef, timestampSql, valueSql, type MeasurementSchema } from './expr-sql.js';
import { nameRegex } from './regex.js';
import { NUMERIC_ONLY, type Call, type SelectPlan } from './select-plan.js';
import type { TimeRange } from './time.js';

/**
 * One measurement's query. Result columns, in order: `__t` (point time, window start, or NULL),
 * one `__g<i>` per GROUP BY tag, one `__c<i>` per non-aux output column, then `__sel` (a struct
 * with the selected point's `t` and aux values `a<i>`) when the plan has a selector.
 */
export interface MeasurementQuery {
  sql: string;
  groupTags: string[];
  // Output column index → result column index, or the aux key in __sel.
  sources: Array<{ index: number } | { aux: string }>;
  selIndex?: number;
  // LIMIT/OFFSET were applied in SQL (raw queries without transformations).
  limited: boolean;
}

const TIME_NS = 'epoch_ns("time")';

function bucketSql(intervalNs: bigint, offsetNs: bigint): string {
  const off = ((offsetNs % intervalNs) + intervalNs) % intervalNs;
  const iv = intervalNs.toString();
  return `(${TIME_NS} - (((${TIME_NS} - ${off}) % ${iv}) + ${iv}) % ${iv})`;
}

function matchesTag(regex: string, tag: string): boolean {
  return nameRegex(regex).test(tag);
}

// GROUP BY tag keys for one measurement, sorted: named keys, every key for `*`, keys matching a regex.
export function groupTagsFor(stmt: SelectStatement, schema: MeasurementSchema): string[] {
  const g = stmt.groupBy;
  const keys = new Set(g.tags);
  for (const t of schema.tags) if (g.all || g.regexes.some((r) => matchesTag(r, t))) keys.add(t);
  return [...keys].sort();
}

function fieldArg(call: Call, schema: MeasurementSchema): { sql: string; type?: string; distinct: boolean } {
  let arg = call.args[0]!;
  const distinct = arg.kind === 'call' && arg.name === 'distinct';
  if (distinct) arg = (arg as Call).args[0]!;
  if (arg.kind !== 'ref') throw influxqlError(`expected field argument in ${call.name}()`);
  const r = resolveRef(arg, schema);
  if (r.kind !== 'field') return { sql: 'NULL', distinct };
  if (NUMERIC_ONLY.has(call.name) && !NUMERIC.has(r.type!)) {
    throw influxqlError(`InfluxQL: ${call.name}() needs a numeric field; "${arg.name}" is ${r.type === 'utf8' ? 'a string' : 'a boolean'} field`);
  }
  return { sql: refSql(arg, schema), type: r.type, distinct };
}

function percentileIndex(call: Call, col: string): string {
  const n = call.args[1] as Extract<Expr, { kind: 'number' }>;
  return `CAST(floor(count(${col}) * ${numberSql(n.value, false)} / 100 + 0.5) AS BIGINT)`;
}

function aggregateSql(call: Call, schema: MeasurementSchema): string {
  const { sql: col, type, distinct } = fieldArg(call, schema);
  if (col === 'NULL') return call.name === 'count' ? '0' : 'NULL';
  const nn = `FILTER (WHERE ${col} IS NOT NULL)`;
  switch (call.name) {
    case 'count':
      return distinct ? `count(DISTINCT ${col})` : `count(${col})`;
    case 'mean':
      return `avg(${col})`;
    case 'sum':
      return type === 'int64' ? `CAST(sum(${col}) AS BIGINT)` : type === 'uint64' ? `CAST(sum(${col}) AS UBIGINT)` : `sum(${col})`;
    case 'min':
      return `min(${col})`;
    case 'max':
      return `max(${col})`;
    case 'first':
      return `arg_min(${col}, "time") ${nn}`;
    case 'last':
      return `arg_max(${col}, "time") ${nn}`;
    case 'median':
      return `median(${col})`;
    case 'percentile':
      return `list_extract(list_sort(list(${col}) ${nn}), ${percentileIndex(call, col)})`;
    case 'spread':
      return `(max(${col}) - min(${col}))`;
    case 'stddev':
      return `stddev_samp(${col})`;
    case 'mode':
      return `mode(${col})`;
    default:
      throw influxqlError(`undefined function ${call.name}()`);
  }
}

// An output expression with aggregates (aux refs never reach here).
function aggExprSql(e: Expr, schema: MeasurementSchema): string {
  switch (e.kind) {
    case 'call':
      if (isMathFunction(e.name)) return mathSql(e.name, e.args.map((a) => aggExprSql(a, schema)));
      return aggregateSql(e, schema);
    case 'binary':
      return arithSql(e.op, aggExprSql(e.left, schema), aggExprSql(e.right, schema));
    case 'paren':
      return aggExprSql(e.expr, schema);
    case 'number':
      return numberSql(e.value, e.integer);
    case 'ref':
      return refSql(e, schema);
    default:
      throw influxqlError(`invalid expression in an aggregate query`);
  }
}

// The struct of the point a selector picks: v (value), t (time ns), a<i> (aux values).
function selectorSql(call: Call, schema: MeasurementSchema, aux: Array<{ key: string; sql: string }>): string {
  const { sql: col } = fieldArg(call, schema);
  const parts = [`v := ${col}`, `t := ${TIME_NS}`, ...aux.map((a) => `${a.key} := ${a.sql}`)];
  const point = `struct_pack(${parts.join(', ')})`;
  const nn = `FILTER (WHERE ${col} IS NOT NULL)`;
  switch (call.name) {
    case 'first':
      return `arg_min(${point}, "time") ${nn}`;
    case 'last':
      return `arg_max(${point}, "time") ${nn}`;
    case 'max':
      return `arg_max(${point}, struct_pack(v := ${col}, t := -${TIME_NS})) ${nn}`;
    case 'min':
      return `arg_min(${point}, struct_pack(v := ${col}, t := ${TIME_NS})) ${nn}`;
    default:
      return `list_extract(list_sort(list(${point}) ${nn}), ${percentileIndex(call, col)})`;
  }
}

// Field columns whose presence makes a point count (InfluxQL reads only points that have one of them).
function referencedFields(plan: SelectPlan, schema: MeasurementSchema): string[] {
  const names = new Set<string>();
  const visit = (e: Expr): void => {
    if (e.kind === 'ref') {
      if (resolveRef(e, schema).kind === 'field') names.add(e.name);
    } else if (e.kind === 'call') e.args.forEach(visit);
    else if (e.kind === 'binary') {
      visit(e.left);
      visit(e.right);
    } else if (e.kind === 'paren') visit(e.expr);
  };
  for (const c of plan.columns) if (!c.aux) visit(c.expr);
  return [...names];
}

export interface SqlOptions {
  stmt: SelectStatement;
  plan: SelectPlan;
  schema: MeasurementSchema;
  range: TimeRange;
  nowNs: bigint;
  // Upper time bound added to the WHERE clause (GROUP BY time queries default to now()).
  upperNs?: bigint;
  // A bound from the last-point index: only points at or after (last) or at or before (first) this time. The
  // statement's top-level tag equalities (non-empty values) are repeated as plain `tag = value` DuckDB can push
  // into its scan.
  bound?: { op: '>=' | '<='; ns: bigint; tags: ReadonlyMap<string, string> };
}

/** The DuckDB query for one measurement, or undefined when it has none of the fields asked for. */
export function measurementSql(o: SqlOptions): MeasurementQuery | undefined {
  const { stmt, plan, schema } = o;
  const fields = referencedFields(plan, schema);
  if (fields.length === 0) return undefined;
  const groupTags = groupTagsFor(stmt, schema);
  const select: string[] = [];
  const time = stmt.groupBy.time;
  if (!plan.aggregate) select.push(`${TIME_NS} AS __t`);
  else if (time) select.push(`${bucketSql(time.intervalNs, time.offsetNs)} AS __t`);
  else select.push('CAST(NULL AS BIGINT) AS __t');
  groupTags.forEach((t, i) => select.push(`${schema.tags.has(t) ? `coalesce(${quoteIdent(t)}, '')` : "''"} AS __g${i}`));
  const sources: MeasurementQuery['sources'] = [];
  const aux: Array<{ key: string; sql: string }> = [];
  for (const c of plan.columns) {
    if (c.aux) {
      const key = `a${aux.length}`;
      aux.push({ key, sql: refSql(c.aux, schema) });
      sources.push({ aux: key });
      continue;
    }
    sources.push({ index: select.length });
    select.push(`${plan.aggregate ? aggExprSql(c.expr, schema) : valueSql(c.expr, schema)} AS __c${sources.length - 1}`);
  }
  let selIndex: number | undefined;
  if (plan.selector) {
    selIndex = select.length;
    select.push(`${selectorSql(plan.selector, schema, aux)} AS __sel`);
  }
  const where = [`(${fields.map((f) => `${quoteIdent(f)} IS NOT NULL`).join(' OR ')})`];
  if (stmt.where) where.push(conditionSql(stmt.where, schema, o.nowNs));
  if (o.upperNs !== undefined) where.push(`"time" <= ${timestampSql(o.upperNs)}`);
  if (o.bound) {
    where.push(`"time" ${o.bound.op} ${timestampSql(o.bound.ns)}`);
    for (const [tag, value] of o.bound.tags) where.push(`${quoteIdent(tag)} = ${quoteLiteral(value)}`);
  }
  let sql = `SELECT ${select.join(', ')} FROM ${quoteIdent(schema.name)} WHERE ${where.join(' AND ')}`;
  let limited = false;
  if (plan.aggregate) {
    const keys = groupTags.map((_, i) => i + 2);
    if (time) keys.unshift(1);
    sql += keys.length > 0 ? ` GROUP BY ${keys.join(', ')}` : ' HAVING count(*) > 0';
  } else {
    // Points at the same time in different series come out in series order, whatever the plan.
    const ties = [...schema.tags].sort().map((t) => `, ${quoteIdent(t)}`).join('');
    const dir = stmt.orderDesc ? 'DESC' : 'ASC';
    if (plan.columns.some((c) => c.transform) || (stmt.limit === undefined && stmt.offset === undefined)) {
      sql += ` ORDER BY "time"${ties}`;
    } else if (groupTags.length === 0) {
      limited = true;
      sql += ` ORDER BY "time" ${dir}${ties}${stmt.limit !== undefined ? ` LIMIT ${stmt.limit}` : ''} OFFSET ${stmt.offset ?? 0}`;
    } else {
      limited = true;
      const off = stmt.offset ?? 0;
      const part = groupTags.map((_, i) => `__g${i}`).join(', ');
      const rn = `row_number() OVER (PARTITION BY ${part} ORDER BY "time" ${dir})`;
      sql += ` QUALIFY ${rn} > ${off}${stmt.limit !== undefined ? ` AND ${rn} <= ${off + stmt.limit}` : ''} ORDER BY "time"${ties}`;
    }
  }
  return { sql, groupTags, sources, selIndex, limited };
}
