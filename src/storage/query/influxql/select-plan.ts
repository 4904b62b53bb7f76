import type { Expr, SelectField, SelectStatement } from './ast.js';
import { influxqlError, unsupported } from './errors.js';
import { NUMERIC, isMathFunction, type MeasurementSchema } from './expr-sql.js';
import { nameRegex } from './regex.js';

export type Call = Extract<Expr, { kind: 'call' }>;
export type Ref = Extract<Expr, { kind: 'ref' }>;

export const AGGREGATES = new Set(['count', 'mean', 'sum', 'min', 'max', 'first', 'last', 'median', 'percentile', 'spread', 'stddev', 'mode']);
export const SELECTORS = new Set(['first', 'last', 'min', 'max', 'percentile']);
// Aggregates that only make sense on numbers (count, first, last and mode take any type).
export const NUMERIC_ONLY = new Set(['mean', 'sum', 'min', 'max', 'median', 'percentile', 'spread', 'stddev']);
export const TRANSFORMS = new Set(['derivative', 'non_negative_derivative', 'difference', 'non_negative_difference', 'cumulative_sum', 'moving_average']);
const UNSUPPORTED_FUNCTIONS = new Set([
  'top', 'bottom', 'sample', 'integral', 'elapsed', 'holt_winters', 'holt_winters_with_fit', 'histogram', 'distinct',
  'exponential_moving_average', 'double_exponential_moving_average', 'triple_exponential_moving_average',
  'relative_strength_index', 'triple_exponential_derivative', 'kaufmans_efficiency_ratio',
  'kaufmans_adaptive_moving_average', 'chande_momentum_oscillator',
]);

export type TransformName = 'derivative' | 'non_negative_derivative' | 'difference' | 'non_negative_difference' | 'cumulative_sum' | 'moving_average';

export interface Transform {
  name: TransformName;
  unitNs: bigint;
  n: number;
}

// One output column: the expression computed per row (raw) or per group (aggregate).
export interface OutputColumn {
  name: string;
  // For a transform column, its argument (an aggregate call, or a field in raw queries).
  expr: Expr;
  transform?: Transform;
  // A top-level count(): an empty window reads 0 under fill(null).
  count: boolean;
  // Set for a plain field or tag shown beside a single selector (taken from the selected point).
  aux?: Ref;
}

export interface SelectPlan {
  columns: OutputColumn[];
  aggregate: boolean;
  // The query's only aggregate when it is a selector: it decides the row time and aux values.
  selector?: Call;
}

// Every name a column takes from its expression, as InfluxQL names columns.
export function exprName(e: Expr): string {
  switch (e.kind) {
    case 'ref':
      return e.name;
    case 'call':
      return e.name;
    case 'paren':
      return exprName(e.expr);
    case 'binary': {
      const l = exprName(e.left);
      const r = exprName(e.right);
      return l && r ? `${l}_${r}` : l || r;
    }
    default:
      return '';
  }
}

function matches(regex: string, name: string): boolean {
  return nameRegex(regex).test(name);
}

// Fields (and, for raw wildcards, tags) a `*` or /regex/ stands for, sorted by name.
function expandNames(e: Expr, union: MeasurementSchema, withTags: boolean, excluded: (tag: string) => boolean): Array<{ name: string; tag: boolean }> {
  const out: Array<{ name: string; tag: boolean }> = [];
  const cast = e.kind === 'wildcard' ? e.cast : undefined;
  const pick = (name: string): boolean => e.kind !== 'regex' || matches(e.source, name);
  if (cast !== 'tag') for (const f of union.fields.keys()) if (pick(f)) out.push({ name: f, tag: false });
  if (withTags && cast !== 'field') for (const t of union.tags) if (pick(t) && !excluded(t)) out.push({ name: t, tag: true });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// Replaces the first wildcard/regex argument found inside calls with `ref`.
function substitute(e: Expr, ref: Ref): Expr {
  if (e.kind === 'call') {
    const args = e.args.map((a, i) => (i === 0 && (a.kind === 'wildcard' || a.kind === 'regex') ? ref : substitute(a, ref)));
    return { ...e, args };
  }
  if (e.kind === 'binary') return { ...e, left: substitute(e.left, ref), right: substitute(e.right, ref) };
  if (e.kind === 'paren') return { ...e, expr: substitute(e.expr, ref) };
  return e;
}

function wildcardCall(e: Expr): Call | undefined {
  if (e.kind === 'call') {
    const first = e.args[0];
    if (first && (first.kind === 'wildcard' || first.kind === 'regex')) return e;
    for (const a of e.args) {
      const inner = wildcardCall(a);
      if (inner) return inner;
    }
  }
  if (e.kind === 'binary') return wildcardCall(e.left) ?? wildcardCall(e.right);
  if (e.kind === 'paren') return wildcardCall(e.expr);
  return undefined;
}

/** SELECT fields with `*`, `/re/`, `mean(*)` expanded against the union of the sources' schemas. */
export function expandFields(stmt: SelectStatement, union: MeasurementSchema): SelectField[] {
  const g = stmt.groupBy;
  const excluded = (tag: string): boolean => g.all || g.tags.includes(tag) || g.regexes.some((r) => matches(r, tag));
  const out: SelectField[] = [];
  for (const f of stmt.fields) {
    if (f.expr.kind === 'wildcard' || f.expr.kind === 'regex') {
      for (const n of expandNames(f.expr, union, true, excluded)) out.push({ expr: { kind: 'ref', name: n.name, cast: n.tag ? 'tag' : 'field' } });
      continue;
    }
    const call = wildcardCall(f.expr);
    if (!call) {
      out.push(f);
      continue;
    }
    const numeric = NUMERIC_ONLY.has(call.name);
    const prefix = f.alias ?? exprName(f.expr);
    for (const n of expandNames(call.args[0]!, union, false, excluded)) {
      if (numeric && !NUMERIC.has(union.fields.get(n.name)!)) continue;
      out.push({ expr: substitute(f.expr, { kind: 'ref', name: n.name, cast: 'field' }), alias: `${prefix}_${n.name}` });
    }
  }
  return out;
}

interface Analysis {
  aggCalls: Call[];
  rawRefs: Ref[];
}

function analyze(e: Expr, out: Analysis, top: boolean): void {
  switch (e.kind) {
    case 'ref':
      out.rawRefs.push(e);
      return;
    case 'paren':
      return analyze(e.expr, out, false);
    case 'binary':
      analyze(e.left, out, false);
      analyze(e.right, out, false);
      return;
    case 'wildcard':
    case 'regex':
      throw influxqlError('a wildcard or regex is only allowed as a whole field or as the argument of a function');
    case 'call': {
      if (AGGREGATES.has(e.name)) {
        out.aggCalls.push(e);
        return;
      }
      if (TRANSFORMS.has(e.name)) {
        if (!top) throw unsupported(`${e.name}() inside an expression`);
        if (e.args.length === 0) throw influxqlError(`invalid number of arguments for ${e.name}, expected at least 1, got 0`);
        return analyze(e.args[0]!, out, false);
      }
      if (isMathFunction(e.name)) {
        for (const a of e.args) analyze(a, out, false);
        return;
      }
      if (e.name === 'now') throw influxqlError('now() is only allowed in WHERE time conditions');
      if (UNSUPPORTED_FUNCTIONS.has(e.name)) throw unsupported(`${e.name}()`);
      throw influxqlError(`undefined function ${e.name}()`);
    }
    default:
      return;
  }
}

function transformOf(call: Call, intervalNs: bigint | undefined): Transform {
  const name = call.name as TransformName;
  const extra = call.args.slice(1);
  let unitNs = intervalNs ?? 1_000_000_000n;
  let n = 0;
  if (name === 'derivative' || name === 'non_negative_derivative') {
    if (extra.length > 1) throw influxqlError(`invalid number of arguments for ${name}, expected at most 2, got ${call.args.length}`);
    if (extra[0]) {
      if (extra[0].kind !== 'duration' || extra[0].ns <= 0n) throw influxqlError(`second argument to ${name} must be a duration, got ${extra[0].kind}`);
      unitNs = extra[0].ns;
    }
  } else if (name === 'moving_average') {
    const arg = extra[0];
    if (extra.length !== 1 || arg?.kind !== 'number' || !arg.integer || arg.value < 1) throw influxqlError('moving_average window must be an integer greater than or equal to 1');
    n = arg.value;
  } else if (extra.length > 0) {
    throw influxqlError(`invalid number of arguments for ${name}, expected 1, got ${call.args.length}`);
  }
  return { name, unitNs, n };
}

function checkAggregateArgs(call: Call): void {
  const arity = call.name === 'percentile' ? 2 : 1;
  if (call.args.length !== arity) throw influxqlError(`invalid number of arguments for ${call.name}, expected ${arity}, got ${call.args.length}`);
  const arg = call.args[0]!;
  const distinct = call.name === 'count' && arg.kind === 'call' && arg.name === 'distinct' && arg.args.length === 1 && arg.args[0]!.kind === 'ref';
  if (arg.kind !== 'ref' && !distinct) throw influxqlError(`expected field argument in ${call.name}()`);
  if (call.name === 'percentile') {
    const n = call.args[1]!;
    if (n.kind !== 'number') throw influxqlError(`expected float argument in percentile()`);
    if (n.value < 0 || n.value > 100) throw influxqlError('percentile must be between 0 and 100');
  }
}

/**
 * Decides what each column computes and how the statement runs: raw points or aggregates, which
 * selector (if any) gives the row time, and which columns are transformations over the series.
 */
export function planSelect(stmt: SelectStatement, fields: SelectField[]): SelectPlan {
  if (fields.length === 0) throw influxqlError('statement must have at least one field in select clause');
  const interval = stmt.groupBy.time?.intervalNs;
  const analyses = fields.map((f) => {
    const a: Analysis = { aggCalls: [], rawRefs: [] };
    analyze(f.expr, a, true);
    return a;
  });
  const aggCalls = analyses.flatMap((a) => a.aggCalls);
  for (const c of aggCalls) checkAggregateArgs(c);
  const aggregate = aggCalls.length > 0;
  const selector = aggCalls.length === 1 && SELECTORS.has(aggCalls[0]!.name) ? aggCalls[0] : undefined;
  const names = new Map<string, number>();
  const columns: OutputColumn[] = fields.map((f, i) => {
    const a = analyses[i]!;
    let name = f.alias ?? exprName(f.expr);
    const seen = names.get(name);
    names.set(name, (seen ?? 0) + 1);
    if (seen !== undefined) name = `${name}_${seen}`;
    const e = f.expr;
    const isTransform = e.kind === 'call' && TRANSFORMS.has(e.name);
    if (aggregate && a.rawRefs.length > 0) {
      if (!selector || a.aggCalls.length > 0 || e.kind !== 'ref') throw influxqlError('mixing aggregate and non-aggregate queries is not supported');
      return { name, expr: e, count: false, aux: e };
    }
    if (isTransform) {
      const inner = e.args[0]!;
      if (aggregate && interval === undefined) throw influxqlError(`${e.name} aggregate requires a GROUP BY interval`);
      if (aggregate && !(inner.kind === 'call' && AGGREGATES.has(inner.name))) throw influxqlError(`aggregate function required inside the call to ${e.name}`);
      if (!aggregate && inner.kind !== 'ref') throw influxqlError(`expected field argument in ${e.name}()`);
      return { name, expr: inner, transform: transformOf(e, aggregate ? interval : undefined), count: false };
    }
    return { name, expr: e, count: e.kind === 'call' && e.name === 'count' };
  });
  if (!aggregate) {
    if (stmt.groupBy.time) throw influxqlError('GROUP BY requires at least one aggregate function');
    const transforms = columns.filter((c) => c.transform).length;
    if (transforms > 0 && transforms < columns.length) throw unsupported('mixing transformation functions with other fields in a raw query');
  }
  return { columns, aggregate, selector };
}
