import { AppError } from '../../shared/app-error.js';
import { dataFusionText } from './duckdb-error-text.js';

// Every failure of a user query: HTTP 400 with the engine's message.
export function queryError(message: string, cause?: unknown): AppError {
  return new AppError('query_error', message, { status: 400, cause });
}

// DataFusion's planning-error shape, which plugins and clients match on.
export function planningError(detail: string): AppError {
  return queryError(`error while planning query: Error during planning: ${detail}`);
}

// Exactly DataFusion's text for a missing table, e.g. table 'public.iox.not_here' not found.
export function tableNotFound(qualified: string): AppError {
  return planningError(`table '${qualified}' not found`);
}

const MISSING_TABLE = /^Catalog Error: Table with name (.*?) does not exist!/;

// DuckDB errors in DataFusion's words (duckdb-error-text.ts) with upstream's prefix; a missing table reads exactly
// as DataFusion's. `fields` names the columns the query could have meant, for an unknown column's message.
export function mapDuckdbError(err: unknown, fields: () => string[] = () => []): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const missing = MISSING_TABLE.exec(message);
  if (missing) return tableNotFound(`public.iox.${missing[1]}`);
  const text = dataFusionText(message, fields);
  if (!text) return queryError(message, err);
  return queryError(`${text.stage === 'planning' ? 'error while planning query' : 'error while executing plan'}: ${text.message}`, err);
}
