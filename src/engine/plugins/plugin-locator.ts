import { resolvePluginPath, type ProtectedDir } from './plugin-path.js';
import type { PluginRef } from './plugin-ref.js';
import type { FetchedPlugin, RemotePlugins } from './remote-plugins.js';

// A plugin found on disk: for a repository plugin, the fetched copy and what the fetch said.
export interface LocatedPlugin {
  path: string;
  kind: 'file' | 'package';
  fetched: FetchedPlugin | null;
}

// Finds the plugin a reference names, for triggers and dry runs alike: a file or package under the plugin dir
// (checked to stay inside it and out of the protected dirs), or a repository plugin fetched into the plugin cache
// (a stale cached copy when the repository is unreachable). Errors are upstream's texts (`Plugin not found: …`,
// `error fetching plugin from repository: …`).
export class PluginLocator {
  constructor(
    private readonly options: { pluginDir: string; remote: RemotePlugins; protectedDirs?: readonly ProtectedDir[] },
  ) {}

  async locate(ref: PluginRef): Promise<LocatedPlugin> {
    if (ref.source === 'repository') {
      const fetched = await this.options.remote.resolve(ref.name.trim());
      return { path: fetched.path, kind: fetched.kind, fetched };
    }
    const { path, kind } = await resolvePluginPath(this.options.pluginDir, ref.name, this.options.protectedDirs);
    return { path, kind, fetched: null };
  }
}
