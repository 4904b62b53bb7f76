// The Plugins page's calls: the registry (system.plugins of `_internal`), plugin files, dry runs, package installs.
import { call, query } from './api.js';
import type { DryRunResponse } from './dry-run.js';
import { NdjsonSplitter, type ProgressEvent } from './ndjson.js';

export interface PluginInfo {
  name: string;
  kind: string | null;
  source: string;
  version: string | null;
  fileCount: number;
  sizeBytes: number;
  usedBy: string[];
  lastError: string | null;
  // Paths relative to the plugin (known through a trigger using it; a file plugin is its own file).
  files: string[];
}

const INTERNAL = '_internal';

// Every plugin with its files and users (admin tokens: `_internal` answers 403 to others).
export async function listPlugins(): Promise<PluginInfo[]> {
  const [plugins, files] = await Promise.all([
    query(INTERNAL, 'SELECT plugin_name, kind, source, version, file_count, size_bytes, used_by, last_error FROM system.plugins'),
    query(INTERNAL, 'SELECT plugin_name, file_name FROM system.plugin_files'),
  ]);
  // system.plugin_files is keyed by trigger (upstream's columns): a plugin's files come through a trigger using it.
  const byTrigger = new Map<string, string[]>();
  for (const f of files) byTrigger.set(String(f.plugin_name), [...(byTrigger.get(String(f.plugin_name)) ?? []), String(f.file_name)]);
  return plugins.map((p) => {
    const usedBy = p.used_by ? String(p.used_by).split(',') : [];
    const name = String(p.plugin_name);
    const viaTrigger = usedBy.map((u) => byTrigger.get(u.slice(u.indexOf('/') + 1))).find((l) => l && l.length > 0);
    const kind = (p.kind as string | null) ?? null;
    return {
      name,
      kind,
      source: String(p.source),
      version: (p.version as string | null) ?? null,
      fileCount: Number(p.file_count ?? 0),
      sizeBytes: Number(p.size_bytes ?? 0),
      usedBy,
      lastError: (p.last_error as string | null) ?? null,
      files: kind === 'package' ? (viaTrigger ?? ['__init__.py']).slice().sort() : [name],
    };
  });
}

// The path under the plugin dir of one of a plugin's files.
export function pluginFilePath(plugin: PluginInfo, file: string): string {
  return plugin.kind === 'package' ? `${plugin.name.replace(/\/$/, '')}/${file}` : plugin.name;
}

export async function readPluginFile(path: string): Promise<string> {
  const res = await call(`/api/v3/plugins/files?${new URLSearchParams({ plugin_name: path })}`);
  return ((await res.json()) as { content: string }).content;
}

// Creates or overwrites the file (admin only; the server's refusal is thrown as an ApiError).
export async function savePluginFile(path: string, content: string): Promise<void> {
  await call('/api/v3/plugins/files', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ plugin_name: path, content }) });
}

export type DryRun =
  | { kind: 'wal'; filename: string; database: string; lp: string; args: Record<string, string> | null }
  | { kind: 'schedule'; filename: string; database: string; schedule: string; args: Record<string, string> | null };

export async function runDryRun(t: DryRun): Promise<DryRunResponse> {
  const body = t.kind === 'wal'
    ? { filename: t.filename, database: t.database, input_lp: t.lp, input_arguments: t.args }
    : { filename: t.filename, database: t.database, ...(t.schedule.trim() ? { schedule: t.schedule.trim() } : {}), input_arguments: t.args };
  const res = await call(`/api/v3/plugin_test/${t.kind}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as DryRunResponse;
}

// `a=1, b=two` → {a: '1', b: 'two'}; empty text → null (the plugin gets args=None).
export function parseArgs(text: string): Record<string, string> | null {
  const pairs = text.split(/[,\n]/).map((p) => p.trim()).filter(Boolean);
  if (pairs.length === 0) return null;
  return Object.fromEntries(pairs.map((p) => {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`argument '${p}' is not key=value`);
    return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
  }));
}

// pip install in the plugin environment, each line of pip's output passed to `onEvent` as it arrives.
export async function installPackages(packages: string[], onEvent: (e: ProgressEvent) => void): Promise<void> {
  const res = await call('/api/v3/configure/plugin_environment/install_packages', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
    body: JSON.stringify({ packages }),
  });
  if (!(res.headers.get('content-type') ?? '').includes('ndjson')) {
    // A server without the stream answers the plain 200.
    await res.text();
    onEvent({ type: 'result', installed: [], exit_code: 0, elapsed_ms: 0 });
    return;
  }
  const splitter = new NdjsonSplitter();
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    const events = done ? [...splitter.push(decoder.decode()), ...splitter.end()] : splitter.push(decoder.decode(value, { stream: true }));
    for (const e of events) onEvent(e as ProgressEvent);
    if (done) return;
  }
}
