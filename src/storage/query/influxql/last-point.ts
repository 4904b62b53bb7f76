import type { Expr, SelectStatement } from './ast.js';
import { resolveRef, type MeasurementSchema } from './expr-sql.js';
import type { SelectPlan } from './select-plan.js';
import type { QueryResult } from '../query-result.js';

// A statement that picks the newest (last) or oldest (first) value of fields, in one group, over the series that
// some tag equalities select: what the last-point index can bound.
export interface SelectorShape {
  table: string;
  tags: Map<string, string>;
  fields: string[];
  dir: 'last' | 'first';
}

export function selectorShape(stmt: SelectStatement, plan: SelectPlan, schema: MeasurementSchema): SelectorShape | undefined {
  const g = stmt.groupBy;
  if (!plan.aggregate || g.time || g.tags.length > 0 || g.all || g.regexes.length > 0) return undefined;
  let dir: SelectorShape['dir'] | undefined;
  const fields: string[] = [];
  for (const c of plan.columns) {
    if (c.aux) continue;
    const e = c.expr;
    if (c.transform || e.kind !== 'call' || (e.name !== 'last' && e.name !== 'first') || e.args.length !== 1) return undefined;
    const arg = e.args[0]!;
    if (arg.kind !== 'ref' || resolveRef(arg, schema).kind !== 'field') return undefined;
    if (dir !== undefined && dir !== e.name) return undefined;
    dir = e.name;
    fields.push(arg.name);
  }
  const tags = new Map<string, string>();
  if (!dir || (stmt.where && !tagEqualities(stmt.where, schema, tags))) return undefined;
  return { table: schema.name, tags, fields, dir };
}

// Adds the `tag = 'value'` terms of an AND of them to `out`; false for any other condition.
function tagEqualities(e: Expr, schema: MeasurementSchema, out: Map<string, string>): boolean {
  if (e.kind === 'paren') return tagEqualities(e.expr, schema, out);
  if (e.kind !== 'binary') return false;
  if (e.op === 'and') return tagEqualities(e.left, schema, out) && tagEqualities(e.right, schema, out);
  if (e.op !== '=') return false;
  const [ref, lit] = e.left.kind === 'ref' ? [e.left, e.right] : [e.right, e.left];
  if (ref.kind !== 'ref' || lit.kind !== 'string' || lit.value === '' || resolveRef(ref, schema).kind !== 'tag') return false;
  const seen = out.get(ref.name);
  if (seen !== undefined && seen !== lit.value) return false;
  out.set(ref.name, lit.value);
  return true;
}

// The bounded query answered: its one group has every selected value (a selector over no rows reads NULL).
export function selectorAnswered(result: QueryResult): boolean {
  return result.rows.length === 1 && result.rows[0]!.every((v, i) => i === 0 || (v !== null && v !== undefined));
}
