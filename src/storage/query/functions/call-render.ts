import type { CallContext } from './sql-function.js';

// The call's parentheses (and WITHIN GROUP) as written, with nested rewrites applied: `(DISTINCT a, b ORDER BY t)`.
export function callBody({ call, arg, render }: CallContext): string {
  const args = call.args.map((_, i) => arg(i)!).join(', ');
  const order = call.orderBy ? ` ORDER BY ${render(call.orderBy)}` : '';
  const within = call.withinGroup ? ` WITHIN GROUP (ORDER BY ${render(call.withinGroup)})` : '';
  return `(${call.distinct ? 'DISTINCT ' : ''}${args}${order})${within}`;
}

// A DataFusion name for a DuckDB function of the same meaning: the call is kept whole (DISTINCT, ORDER BY, and any
// FILTER or OVER after it), only the name changes.
export const renamedTo = (target: string) => (ctx: CallContext): string => `${target}${callBody(ctx)}`;
