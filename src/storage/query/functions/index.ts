import type { DuckDBConnection, DuckDBScalarFunction } from '@duckdb/node-api';
import { DATAFUSION_MACROS } from '../datafusion-macros.js';
import { tokenAt, type Token } from '../sql-lexer.js';
import type { Edit } from '../sql-rewrite.js';
import { findCalls } from './call-sites.js';
import type { CallContext, SqlFunction } from './sql-function.js';
import { AGGREGATE_FUNCTIONS } from './aggregate-functions.js';
import { WINDOW_FUNCTIONS } from './window-functions.js';
import { CONDITIONAL_FUNCTIONS } from './conditional-functions.js';
import { MATH_FUNCTIONS } from './math-functions.js';
import { TIME_FUNCTIONS } from './time-functions.js';
import { STRING_FUNCTIONS } from './string-functions.js';
import { REGEX_FUNCTIONS } from './regex-functions.js';
import { HASHING_FUNCTIONS } from './hashing-functions.js';
import { ARRAY_FUNCTIONS } from './array-functions.js';
import { MAP_STRUCT_FUNCTIONS } from './map-struct-functions.js';
import { MISC_FUNCTIONS } from './misc-functions.js';
import { integerCastEdits } from './integer-casts.js';
import { columnAlias, isUnaliasedSelectItem } from './select-items.js';
import { STRING_CAST_MACROS, stringCastEdits } from './string-casts.js';
import { mapIntegerEdits } from './map-literals.js';

// Every function of InfluxDB 3's SQL reference that DuckDB does not already run with DataFusion's meaning, by
// category (docs.influxdata.com/influxdb3/core/reference/sql/functions/). Each category file lists its functions.
const FUNCTIONS: SqlFunction[] = [
  ...AGGREGATE_FUNCTIONS,
  ...WINDOW_FUNCTIONS,
  ...CONDITIONAL_FUNCTIONS,
  ...MATH_FUNCTIONS,
  ...TIME_FUNCTIONS,
  ...STRING_FUNCTIONS,
  ...REGEX_FUNCTIONS,
  ...HASHING_FUNCTIONS,
  ...ARRAY_FUNCTIONS,
  ...MAP_STRUCT_FUNCTIONS,
  ...MISC_FUNCTIONS,
];

const byName = new Map<string, SqlFunction>();
for (const f of FUNCTIONS) {
  if (byName.has(f.name)) throw new Error(`SQL function ${f.name} is defined twice`);
  byName.set(f.name, f);
}
const rewritten = new Set([...byName.values()].filter((f) => f.rewrite).map((f) => f.name));

// The macros every query connection installs once (after DATAFUSION_MACROS), without repeats.
export const FUNCTION_MACROS: string[] = [...new Set([...STRING_CAST_MACROS, ...FUNCTIONS.flatMap((f) => f.macros ?? [])])];

// The JS scalar functions every query connection registers once, next to the macros.
export const FUNCTION_UDFS: Array<() => DuckDBScalarFunction> = [...new Set(FUNCTIONS.flatMap((f) => f.udfs ?? []))];

// The edits that turn DataFusion calls (and float-to-integer and to-string casts, integer literals in maps) into
// DuckDB SQL; nested calls are rewritten inside out. Given `sql`, the text the tokens come from, an unaliased SELECT
// item that a rewrite replaced keeps the name the user wrote as its column name. `tagColumns` are the tags of the
// tables queried (arrow_typeof names their type Dictionary(Int32, Utf8)).
export function functionEdits(tokens: Token[], sql?: string, tagColumns?: ReadonlySet<string>): Edit[] {
  const edits: Edit[] = [...integerCastEdits(tokens, sql), ...stringCastEdits(tokens), ...mapIntegerEdits(tokens)];
  for (const call of findCalls(tokens, rewritten)) {
    const fn = byName.get(call.name)!;
    const end = fn.withWindow && call.window ? call.window.end : call.end;
    const alias = sql !== undefined && isUnaliasedSelectItem(tokens, call.nameToken, tokenAt(tokens, end) - 1) ? columnAlias(sql.slice(call.start, end)) : '';
    edits.push({
      start: call.start,
      end,
      render: (inner) => {
        const ctx: CallContext = {
          call,
          arg: (i) => (call.args[i] ? inner(call.args[i]!.start, call.args[i]!.end) : undefined),
          render: (span) => inner(span.start, span.end),
          tokens,
          tagColumns,
        };
        const replacement = fn.rewrite!(ctx);
        return replacement === undefined ? undefined : replacement + alias;
      },
    });
  }
  return edits;
}

// Prepares a query connection: DataFusion's session settings, then the older macros (DATAFUSION_MACROS, which
// later macros call), the JS functions and the functions' macros, in the order DuckDB needs (it checks a macro's
// functions when the macro is created).
export async function installFunctions(conn: DuckDBConnection): Promise<void> {
  await conn.run("SET TimeZone = 'UTC'");
  // DataFusion divides integers as integers (7 / 2 = 3).
  await conn.run('SET integer_division = true');
  for (const macro of DATAFUSION_MACROS) await conn.run(macro);
  for (const udf of FUNCTION_UDFS) conn.registerScalarFunction(udf());
  for (const macro of FUNCTION_MACROS) await conn.run(macro);
}
