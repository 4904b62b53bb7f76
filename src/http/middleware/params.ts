import { badRequest } from '../../shared/app-error.js';

// How a route words a bad JSON-object parameter (each route keeps upstream's text for its API).
export interface JsonParamMessages {
  invalidJson(raw: string): string;
  notObject(raw: unknown): string;
}

// A request parameter holding a JSON object (`params` of query_sql, `params` of /query): given as a string in a
// query string or form, or as an object in a JSON body. Absent or empty is undefined.
export function jsonObjectParam(raw: unknown, messages: JsonParamMessages): Record<string, unknown> | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw badRequest(messages.invalidJson(raw));
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(messages.notObject(raw));
  return value as Record<string, unknown>;
}
