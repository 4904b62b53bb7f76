import type { DuckDBScalarFunction } from '@duckdb/node-api';
import type { AppError } from '../../../shared/app-error.js';
import type { Token } from '../sql-lexer.js';
import type { CallSite, Span } from './call-sites.js';

// Renders a span of the original SQL with the rewrites nested inside it applied.
export type RenderSpan = (span: Span) => string;

// What a rewrite sees: the call, its arguments rendered (nested rewrites applied), and the tokens around it.
export interface CallContext {
  call: CallSite;
  // The i-th argument as SQL (rewrites inside it applied); undefined past the last one.
  arg(i: number): string | undefined;
  // Any span, rendered.
  render: RenderSpan;
  tokens: Token[];
  // Tag column names of the tables the query mentions (tags are Dictionary(Int32, Utf8) in DataFusion).
  tagColumns?: ReadonlySet<string>;
}

/**
 * One DataFusion function as our DuckDB runs it: a temporary macro installed on every connection, and/or a rewrite
 * of its calls in the SQL text (for what a macro cannot do: ORDER BY inside the call, WITHIN GROUP, type-dependent
 * forms, an error for an unsupported form). A rewrite returns the replacement SQL, or undefined to leave the call as
 * written (for DuckDB or the macro), or throws an AppError naming what is not supported.
 */
export interface SqlFunction {
  // DataFusion's name, lowercase.
  name: string;
  // CREATE OR REPLACE TEMP MACRO ... statements this function needs (shared helpers may be listed once anywhere).
  macros?: string[];
  rewrite?: (ctx: CallContext) => string | undefined;
  // The rewrite replaces the window too (`name(...) OVER (...)`, e.g. to cast a window function's result); the
  // window is call.window, rendered with ctx.render.
  withWindow?: boolean;
  // Scalar functions computed in JS (what DuckDB's SQL cannot express, e.g. SHA-512), registered on every query
  // connection; each call creates a fresh function object for one connection. Names start with __iox_.
  udfs?: Array<() => DuckDBScalarFunction>;
}

export type RewriteError = AppError;
