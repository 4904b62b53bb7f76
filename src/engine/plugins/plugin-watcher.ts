import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import { isIgnoredTopLevel } from './plugin-path.js';

// What changed under the plugin directory: the path relative to it, and the top-level plugin it belongs to (a file
// name, or a package directory name) — the name triggers use as plugin_filename.
export interface PluginChange {
  event: 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';
  relPath: string;
  plugin: string;
}


// Watches the plugin directory (chokidar) and reports changes to plugins. Runners also check each plugin file's
// version before every call, so an edit is never missed even between a write and the watcher's event; the watcher
// is what tells operators (and the plugin registry) which triggers a change reaches.
export class PluginWatcher {
  private watcher: FSWatcher | null = null;

  constructor(private readonly options: { pluginDir: string; logger: Logger; onChange(change: PluginChange): void }) {}

  async start(): Promise<void> {
    const { pluginDir } = this.options;
    const watcher = watch(pluginDir, {
      ignoreInitial: true,
      // The registry's rule, at any depth: the venv (thousands of files), caches, dot-dirs, upload temp dirs.
      ignored: (path: string) => relative(pluginDir, path).split(sep).some((part) => part !== '' && isIgnoredTopLevel(part)),
      depth: 16,
    });
    watcher.on('all', (event, path) => {
      const relPath = relative(pluginDir, path);
      if (!relPath || relPath.startsWith('..')) return;
      const plugin = relPath.split(sep)[0]!;
      if (event === 'add' || event === 'change' || event === 'unlink' || event === 'addDir' || event === 'unlinkDir') {
        this.options.onChange({ event, relPath, plugin });
      }
    });
    watcher.on('error', (err) => this.options.logger.warn({ err: errorMessage(err) }, 'plugin directory watcher error'));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.watcher = watcher;
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
    this.watcher = null;
  }
}
