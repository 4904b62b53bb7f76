// Every call the console makes: the server's own HTTP API, with the user's token as `Authorization: Bearer`.
// The token lives in sessionStorage only (gone when the tab closes; never in a URL or a cookie).

const TOKEN_KEY = 'influxdb3.token';

import { TimeSlicer } from './slice.js';
import { specWords } from './trigger-spec.js';

export type QueryLanguage = 'sql' | 'influxql';
export type Row = Record<string, unknown>;

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

// One request to the server's API with the stored token; a non-2xx answer throws an ApiError with the server's message.
export async function call(path: string, init: RequestInit = {}, token = storedToken()): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers, credentials: 'omit', cache: 'no-store' });
  if (!res.ok) {
    const text = await res.text();
    let message = text.trim();
    try {
      const body = JSON.parse(text) as { error?: string; message?: string };
      message = body.error ?? body.message ?? message;
    } catch {
      // not JSON: the text as it is
    }
    throw new ApiError(res.status, message || `${res.status} ${res.statusText}`);
  }
  return res;
}

// 'open' when the server runs with --without-auth (the API answers without a token), 'token' when it asks for one.
export async function authMode(): Promise<'open' | 'token'> {
  try {
    await call('/api/v3/configure/database?format=json', {}, null);
    return 'open';
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return 'token';
    throw e;
  }
}

// Checks a token: true if the server accepts it for anything (a database token may not list databases: 403).
export async function checkToken(token: string): Promise<boolean> {
  try {
    await call('/api/v3/configure/database?format=json', {}, token);
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return true;
    if (e instanceof ApiError && e.status === 401) return false;
    throw e;
  }
}

// The databases this token may list, or null when it may not (a database-scoped token).
export async function listDatabases(): Promise<string[] | null> {
  try {
    const rows = (await (await call('/api/v3/configure/database?format=json')).json()) as Row[];
    return rows.map((r) => String(r['iox::database'])).sort();
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return null;
    throw e;
  }
}

function queryPath(language: QueryLanguage): string {
  return language === 'sql' ? '/api/v3/query_sql' : '/api/v3/query_influxql';
}

function queryBody(db: string, q: string, format: string): RequestInit {
  return { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ db, q, format }) };
}

// Runs a query and returns its rows. JSON Lines, parsed chunk by chunk as the body arrives: a large result never
// holds the main thread for long, so the page stays responsive while 100k rows load.
export async function query(db: string, q: string, language: QueryLanguage = 'sql'): Promise<Row[]> {
  const res = await call(queryPath(language), queryBody(db, q, 'jsonl'));
  const rows: Row[] = [];
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  const slicer = new TimeSlicer();
  let pending = '';
  for (;;) {
    const { done, value } = await reader.read();
    pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
    // Line by line (a chunk may hold megabytes): the slicer can pause between any two rows.
    let start = 0;
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
      if (end > start) rows.push(JSON.parse(pending.slice(start, end)) as Row);
      start = end + 1;
      if (slicer.due) await slicer.pause();
    }
    pending = pending.slice(start);
    if (done) {
      if (pending.trim() !== '') rows.push(JSON.parse(pending) as Row);
      return rows;
    }
  }
}

// The same query in a download format (csv, jsonl or parquet) as a Blob.
export async function download(db: string, q: string, language: QueryLanguage, format: 'csv' | 'jsonl' | 'parquet'): Promise<Blob> {
  return (await call(queryPath(language), queryBody(db, q, format))).blob();
}

export interface ColumnInfo {
  name: string;
  kind: 'tag' | 'field' | 'time';
  type: string;
}

export function columnKind(name: string, dataType: string): ColumnInfo['kind'] {
  if (dataType.startsWith('Dictionary')) return 'tag';
  if (name === 'time' && dataType.startsWith('Timestamp')) return 'time';
  return 'field';
}

// table → columns of one database, from information_schema.columns.
export async function describeDatabase(db: string): Promise<Map<string, ColumnInfo[]>> {
  const rows = await query(db, "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'iox' ORDER BY table_name, ordinal_position");
  const tables = new Map<string, ColumnInfo[]>();
  for (const r of rows) {
    const table = String(r.table_name);
    const name = String(r.column_name);
    const type = String(r.data_type);
    if (!tables.has(table)) tables.set(table, []);
    tables.get(table)!.push({ name, type, kind: columnKind(name, type) });
  }
  return tables;
}

export interface ServerStatus {
  health: string;
  version: string;
  revision: string;
  metrics: string;
}

// /health, /ping and /metrics: a token with system access (or an admin token) may read them.
export async function serverStatus(): Promise<ServerStatus> {
  const [health, ping, metrics] = await Promise.all([
    call('/health').then((r) => r.text()),
    call('/ping').then((r) => r.json() as Promise<{ version: string; revision: string }>),
    call('/metrics').then((r) => r.text()),
  ]);
  return { health: health.trim(), version: ping.version, revision: ping.revision, metrics };
}

export interface TriggerRow {
  database: string;
  name: string;
  plugin: string;
  spec: string;
  state: string;
  reason: string | null;
  calls: number;
  errors: number;
  lastError: string | null;
}

// Every trigger the token may see with its state and counters, from the engine's system tables: `_internal` shows
// every database's (admin), else the given database's own.
export async function listTriggers(db: string): Promise<TriggerRow[]> {
  const [triggers, stats] = await Promise.all([
    query(db, 'SELECT trigger_name, plugin_filename, trigger_specification, disabled, state, disabled_reason, database_name FROM system.processing_engine_triggers'),
    query(db, 'SELECT trigger_name, calls, errors, last_error, database_name FROM system.processing_engine_trigger_stats'),
  ]);
  const key = (r: Row) => `${String(r.database_name)}\u0000${String(r.trigger_name)}`;
  const byKey = new Map(stats.map((r) => [key(r), r]));
  return triggers.map((t) => {
    const s = byKey.get(key(t)) ?? {};
    return {
      database: String(t.database_name),
      name: String(t.trigger_name),
      plugin: String(t.plugin_filename),
      spec: specWords(String(t.trigger_specification)),
      state: String(t.state),
      reason: (t.disabled_reason as string | null | undefined) ?? null,
      calls: Number(s.calls ?? 0),
      errors: Number(s.errors ?? 0),
      lastError: (s.last_error as string | null | undefined) ?? null,
    };
  }).sort((a, b) => a.database.localeCompare(b.database) || a.name.localeCompare(b.name));
}

export async function setTriggerEnabled(db: string, name: string, enabled: boolean): Promise<void> {
  const params = new URLSearchParams({ db, trigger_name: name });
  await call(`/api/v3/configure/processing_engine_trigger/${enabled ? 'enable' : 'disable'}?${params}`, { method: 'POST' });
}

export async function deleteTrigger(db: string, name: string, force: boolean): Promise<void> {
  const params = new URLSearchParams({ db, trigger_name: name, force: String(force) });
  await call(`/api/v3/configure/processing_engine_trigger?${params}`, { method: 'DELETE' });
}
