import { isKeyword } from '../sql-lexer.js';
import { planningError } from '../query-errors.js';
import { quoteIdent } from '../sql-names.js';
import type { CallContext, SqlFunction } from './sql-function.js';

// The argument's single string-literal token value, when the argument is just that.
function literal(ctx: CallContext, i: number): string | undefined {
  const span = ctx.call.args[i];
  if (!span) return undefined;
  const tokens = ctx.tokens.filter((t) => t.start >= span.start && t.end <= span.end);
  return tokens.length === 1 && tokens[0]!.kind === 'string' ? tokens[0]!.value : undefined;
}

// struct(a, b AS name, ...): fields c0, c1, ... unless named with AS (a name or a string).
function struct(ctx: CallContext): string {
  if (ctx.call.args.length === 0) throw planningError('struct requires at least one argument');
  const fields = ctx.call.args.map((span, i) => {
    const tokens = ctx.tokens.filter((t) => t.start >= span.start && t.end <= span.end);
    const last = tokens[tokens.length - 1];
    if (tokens.length >= 3 && isKeyword(tokens[tokens.length - 2], 'as') && last && ['ident', 'quoted', 'string'].includes(last.kind)) {
      const value = ctx.render({ start: span.start, end: tokens[tokens.length - 3]!.end });
      return `${quoteIdent(last.value)} := ${value}`;
    }
    return `${quoteIdent(`c${i}`)} := ${ctx.arg(i)}`;
  });
  return `struct_pack(${fields.join(', ')})`;
}

// named_struct('a', x, 'b', y): the names must be string literals.
function namedStruct(ctx: CallContext): string {
  const n = ctx.call.args.length;
  if (n === 0 || n % 2 !== 0) throw planningError(`named_struct requires an even number of arguments, got ${n} instead`);
  const fields: string[] = [];
  for (let i = 0; i < n; i += 2) {
    const name = literal(ctx, i);
    if (name === undefined) throw planningError(`named_struct requires its field names to be constant strings, got ${ctx.arg(i)} at position ${i}`);
    fields.push(`${quoteIdent(name)} := ${ctx.arg(i + 1)}`);
  }
  return `struct_pack(${fields.join(', ')})`;
}

// make_map(k1, v1, k2, v2, ...).
function makeMap(ctx: CallContext): string {
  const n = ctx.call.args.length;
  if (n === 0 || n % 2 !== 0) throw planningError(`make_map requires an even number of arguments, got ${n} instead`);
  const keys: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < n; i += 2) {
    keys.push(ctx.arg(i)!);
    values.push(ctx.arg(i + 1)!);
  }
  return `map([${keys.join(', ')}], [${values.join(', ')}])`;
}

// Map and struct functions. DuckDB's map(keys, values), MAP {...}, map_keys/map_values/map_extract already match.
export const MAP_STRUCT_FUNCTIONS: SqlFunction[] = [
  { name: 'make_map', rewrite: makeMap },
  { name: 'struct', rewrite: struct },
  { name: 'row', rewrite: struct },
  { name: 'named_struct', rewrite: namedStruct },
  {
    name: 'get_field',
    // A struct's field or a map's value by key; DuckDB's subscript does both.
    rewrite: (ctx) => {
      if (ctx.call.args.length !== 2) throw planningError(`get_field requires 2 arguments, got ${ctx.call.args.length}`);
      return `(${ctx.arg(0)})[${ctx.arg(1)}]`;
    },
  },
];
