import { AppError } from '../shared/app-error.js';

// Upstream's text for plugin operations on a node started without --plugin-dir.
export const ENGINE_DISABLED_MESSAGE = 'Node not configured with plugin directory';

// Every plugin operation on a server without --plugin-dir; the text says how to turn the engine on, naming the
// config key when the server was configured from a file (the packages' /etc/influxdb3/influxdb3-engine.conf).
export function engineDisabledError(configFile: string | null = null): AppError {
  const how = configFile
    ? `set plugin-dir in ${configFile} (e.g. plugin-dir = "/var/lib/influxdb3/plugins") and restart the server`
    : 'start the server with --plugin-dir <dir>';
  return new AppError('engine_disabled', `${ENGINE_DISABLED_MESSAGE}: No plugin directory configured (${how})`, {
    status: 500,
  });
}

// The named plugin file or package does not exist under the plugin directory.
export function pluginNotFoundError(path: string): AppError {
  return new AppError('plugin_not_found', `reading plugin file: Plugin not found: ${path}`, { status: 500, details: undefined });
}

// A plugin name that would resolve outside the plugin directory (`..`, absolute paths, symlinks out).
export function pathTraversalError(filename: string): AppError {
  return new AppError(
    'path_traversal',
    `Path traversal detected: plugin filename '${filename}' attempts to access files outside the plugin directory`,
    { status: 500 },
  );
}

// Upstream's text for remote plugins and uploads on a server started with --plugin-dir-only.
export const PLUGIN_INSTALLATION_DISABLED_MESSAGE =
  'plugin installation is disabled; plugins must already exist in the configured plugin directory';

export function pluginInstallationDisabledError(): AppError {
  return new AppError('plugin_dir_only', PLUGIN_INSTALLATION_DISABLED_MESSAGE, { status: 403 });
}
