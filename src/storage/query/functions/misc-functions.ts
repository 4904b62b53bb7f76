import { arch, platform } from 'node:os';
import { DuckDBScalarFunction, ANY, VARCHAR } from '@duckdb/node-api';
import { identName } from '../sql-lexer.js';
import { quoteLiteral } from '../sql-names.js';
import { converterFor } from '../result-convert.js';
import { packageVersion } from '../../../shared/version.js';
import type { CallContext, SqlFunction } from './sql-function.js';

// __iox_arrow_typeof(x): the Arrow type name our results report for x's DuckDB type (result-convert's mapping).
function arrowTypeofUdf(): DuckDBScalarFunction {
  return DuckDBScalarFunction.create({
    name: '__iox_arrow_typeof',
    returnType: VARCHAR,
    parameterTypes: [ANY],
    // NULL inputs still have a type.
    specialHandling: true,
    mainFunction: (_info, input, out) => {
      const name = converterFor(input.getColumnVector(0).type).arrow;
      for (let i = 0; i < input.rowCount; i++) out.setItem(i, name);
      out.flush();
    },
  });
}

// A tag column reads as Dictionary(Int32, Utf8), which only the planner knows: a bare (or qualified) tag column name.
function arrowTypeof(ctx: CallContext): string {
  const span = ctx.call.args[0];
  if (ctx.call.args.length !== 1 || !span) return `__iox_arrow_typeof(${ctx.call.args.map((_, i) => ctx.arg(i)).join(', ')})`;
  const tokens = ctx.tokens.filter((t) => t.start >= span.start && t.end <= span.end);
  // DuckDB's NULL type cannot reach a JS function.
  if (tokens.length === 1 && tokens[0]!.kind === 'ident' && tokens[0]!.value.toLowerCase() === 'null') return `'Null'`;
  const name = identName(tokens[tokens.length - 1]);
  const qualified = tokens.every((t, i) => (i % 2 === 0 ? identName(t) !== undefined : t.kind === 'punct' && t.value === '.'));
  if (name !== undefined && qualified && tokens.length % 2 === 1 && ctx.tagColumns?.has(name)) return `'Dictionary(Int32, Utf8)'`;
  return `__iox_arrow_typeof(${ctx.arg(0)})`;
}

// Rust's names for the platform, as DataFusion's version() prints them.
const RUST_ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'x86', arm: 'arm' };
const RUST_OS: Record<string, string> = { darwin: 'macos', win32: 'windows' };

// DataFusion answers "Apache DataFusion <its version>, <arch> on <os>": the engine's own name and version. This
// server runs no DataFusion, so it names itself in the same form.
export function versionString(): string {
  return `influxdb3-engine ${packageVersion()}, ${RUST_ARCH[arch()] ?? arch()} on ${RUST_OS[platform()] ?? platform()}`;
}

// Miscellaneous functions (arrow_cast is rewritten by the planner; interpolate/locf belong to date_bin_gapfill).
export const MISC_FUNCTIONS: SqlFunction[] = [
  { name: 'arrow_typeof', udfs: [arrowTypeofUdf], rewrite: arrowTypeof },
  { name: 'version', macros: [`CREATE OR REPLACE TEMP MACRO version() AS ${quoteLiteral(versionString())}`] },
];
