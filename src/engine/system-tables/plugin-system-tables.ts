import { INTERNAL_DB } from '../../storage/catalog/names.js';
import { lazyTable, virtualColumns, type SystemTableProvider, type VirtualTable } from '../../storage/query/system-tables.js';
import { byCodePoint, type PluginEntry, type PluginRegistry } from '../plugins/plugin-registry.js';
import { isRemotePluginName, normalisePluginName, parsePluginRef } from '../plugins/plugin-ref.js';
import type { Trigger } from '../../storage/catalog/catalog-resources.js';

// What the plugin tables read: the registry's index and every trigger of every live database (all in memory; nothing
// touches the disk per query).
export interface PluginSystemTablesDeps {
  registry: PluginRegistry;
  triggers(): Trigger[];
}

type Columns = VirtualTable['columns'];

const cols = virtualColumns;

// Upstream's columns exactly.
const FILE_COLUMNS = cols(
  ['plugin_name', 'Utf8'],
  ['file_name', 'Utf8'],
  ['file_path', 'Utf8'],
  ['size_bytes', 'Int64'],
  ['last_modified', 'Int64'],
);

// Beyond upstream: one row per plugin with its version and its users.
const PLUGIN_COLUMNS = cols(
  ['plugin_name', 'Utf8'],
  ['kind', 'Utf8'],
  ['source', 'Utf8'],
  ['version', 'Utf8'],
  ['file_count', 'Int64'],
  ['size_bytes', 'Int64'],
  ['used_by', 'Utf8'],
  ['last_error', 'Utf8'],
);

// The table names this provider serves, in `_internal` only.
export const PLUGIN_SYSTEM_TABLES = ['plugin_files', 'plugins'] as const;

// system.plugin_files and system.plugins of `_internal`, to add to the SystemTableRegistry.
export function pluginSystemTables(deps: PluginSystemTablesDeps): SystemTableProvider {
  return (db, table) => {
    if (db !== INTERNAL_DB) return undefined;
    if (table === 'plugin_files') return lazyTable(FILE_COLUMNS, () => fileRows(deps));
    if (table === 'plugins') return lazyTable(PLUGIN_COLUMNS, () => pluginRows(deps));
    return undefined;
  };
}

// The same tables, always empty (the engine is off).
export function emptyPluginSystemTables(): SystemTableProvider {
  return (db, table) => {
    if (db !== INTERNAL_DB) return undefined;
    if (table === 'plugin_files') return lazyTable(FILE_COLUMNS, () => []);
    if (table === 'plugins') return lazyTable(PLUGIN_COLUMNS, () => []);
    return undefined;
  };
}

// One row per (trigger, file) of triggers on local plugins, by trigger name then file. A trigger naming a plugin the
// index does not cover yet (a nested path) starts it being tracked; it shows from the next query on.
function fileRows(deps: PluginSystemTablesDeps): unknown[][] {
  const { registry } = deps;
  const rows: unknown[][] = [];
  const triggers = [...deps.triggers()].sort((a, b) => byCodePoint(a.name, b.name) || byCodePoint(a.databaseName, b.databaseName));
  for (const t of triggers) {
    const name = normalisePluginName(t.pluginFilename);
    if (isRemotePluginName(name)) continue;
    const entry = registry.get(name);
    if (!entry) {
      registry.track(name);
      continue;
    }
    if (entry.source !== 'local') continue;
    for (const f of entry.files) {
      rows.push([t.name, f.relPath, f.path, f.sizeBytes, f.mtimeMs === null ? null : Math.trunc(f.mtimeMs)]);
    }
  }
  return rows;
}

// Every indexed plugin plus every plugin a trigger names that is missing (kind and version NULL), by name.
function pluginRows(deps: PluginSystemTablesDeps): unknown[][] {
  const { registry } = deps;
  const users = new Map<string, string[]>();
  for (const t of deps.triggers()) {
    const name = normalisePluginName(t.pluginFilename);
    const list = users.get(name) ?? [];
    list.push(`${t.databaseName}/${t.name}`);
    users.set(name, list);
  }
  const entries = new Map<string, PluginEntry>((registry.list()).map((e) => [e.name, e]));
  for (const name of users.keys()) {
    const entry = registry.get(name);
    if (entry) entries.set(name, entry);
    else if (!isRemotePluginName(name)) registry.track(name);
  }
  const names = [...new Set([...entries.keys(), ...users.keys()])].sort(byCodePoint);
  return names.map((name) => {
    const e = entries.get(name);
    const usedBy = (users.get(name) ?? []).sort(byCodePoint).join(',');
    return [
      name,
      e?.kind ?? null,
      e?.source ?? parsePluginRef(name).source,
      e?.version ?? null,
      e?.files.length ?? 0,
      e?.sizeBytes ?? 0,
      usedBy || null,
      e?.lastError ?? registry.lastError(name) ?? null,
    ];
  });
}
