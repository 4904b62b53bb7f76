import { planningError } from '../query-errors.js';
import type { CallContext, SqlFunction } from './sql-function.js';

// Argument helpers for the array (list) functions.

// Integer literals are Int64 in DataFusion but INTEGER in DuckDB, so `[1, 2, 3]` would come back List(Int32):
// integer list literals and integer scalars passed to the list functions are cast to BIGINT. Only literals are
// touched; a column keeps its own type, as in DataFusion.
export function int64Literal(arg: string): string {
  const text = arg.trim();
  if (/^-?\d{1,18}$/.test(text)) return `CAST(${text} AS BIGINT)`;
  const depth = integerListDepth(text);
  return depth > 0 ? `CAST(${text} AS BIGINT${'[]'.repeat(depth)})` : arg;
}

// The nesting depth of a list literal of integers and NULLs (`[[1, 2], [NULL]]` → 2), 0 when it is not one.
export function integerListDepth(text: string): number {
  const compact = text.replace(/\s+/g, '').replace(/NULL/gi, '');
  if (!compact.startsWith('[') || !/\d/.test(compact) || !/^[[\]\d,-]*$/.test(compact)) return 0;
  let depth = 0;
  let max = 0;
  for (const ch of compact) {
    if (ch === '[') max = Math.max(max, ++depth);
    else if (ch === ']' && --depth < 0) return 0;
  }
  return depth === 0 ? max : 0;
}

// The nesting depth of any list literal (`[['a'], ['b']]` → 2), read from its leading brackets; 1 for anything else.
export function literalListDepth(text: string): number {
  const m = /^(\s*\[)+/.exec(text);
  return m ? (m[0].match(/\[/g) ?? []).length : 1;
}

// The arguments as SQL, integer literals made BIGINT; a wrong count is DataFusion's planning error naming the call.
export function argsOf(ctx: CallContext, min: number, max: number): string[] {
  const n = ctx.call.args.length;
  if (n < min || n > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw planningError(`${ctx.call.name} expects ${want} argument${min === 1 && max === 1 ? '' : 's'}, got ${n}`);
  }
  return ctx.call.args.map((_, i) => int64Literal(ctx.arg(i)!));
}

// The same rewrite under each of a function's names (DataFusion's aliases: array_*, list_*, ...).
export function named(names: string[], min: number, max: number, build: (a: string[], ctx: CallContext) => string, macros?: string[]): SqlFunction[] {
  return names.map((name, i) => ({ name, rewrite: (ctx) => build(argsOf(ctx, min, max), ctx), ...(i === 0 && macros ? { macros } : {}) }));
}
