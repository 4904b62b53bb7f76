// The prefix of plugins fetched from --plugin-repo instead of read from the plugin directory.
export const REMOTE_PLUGIN_PREFIX = 'gh:';

// What a trigger's or dry run's plugin name refers to, decided once from the name: a file or package directory under
// the plugin directory (which of the two is known only on disk), or a plugin in the repository (`gh:<path>[@<ref>]`).
export interface PluginRef {
  readonly source: 'local' | 'repository';
  // The name as given (a trigger's plugin_filename, a dry run's filename).
  readonly name: string;
}

export function isRemotePluginName(name: string): boolean {
  return name.trim().startsWith(REMOTE_PLUGIN_PREFIX);
}

// The spelling the index uses for a plugin_filename: `/` separators, no `./` prefix, no trailing `/`; gh: names as given.
export function normalisePluginName(name: string): string {
  const trimmed = name.trim();
  if (isRemotePluginName(trimmed)) return trimmed;
  return trimmed.replace(/\\/g, '/').replace(/\/{2,}/g, '/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

export function parsePluginRef(name: string): PluginRef {
  return { source: isRemotePluginName(name) ? 'repository' : 'local', name };
}
