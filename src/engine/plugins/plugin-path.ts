import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { badRequest, type AppError } from '../../shared/app-error.js';
import { canonicalPath, isWithin } from '../../shared/path-within.js';
import { pathTraversalError, pluginNotFoundError } from '../errors.js';

// A directory of the server that plugin paths must never reach (the data dir, the plugin venv), named for errors.
export interface ProtectedDir {
  path: string;
  what: string;
}

// 400 naming the path, where it resolves, and the server directory it would reach into.
function protectedPathError(name: string, resolved: string, dir: string, what: string, inside: boolean): AppError {
  const where = inside ? `inside ${what} '${dir}'` : `which contains ${what} '${dir}'`;
  return badRequest(`plugin path '${name}' resolves to '${resolved}', ${where}: plugins cannot be read from or written there`);
}

// Refuses a canonical plugin path that lies in a protected directory or holds one (replacing it would remove it).
export function refuseProtectedPath(name: string, resolved: string, dirs: readonly ProtectedDir[]): void {
  for (const { path, what } of dirs) {
    const dir = canonicalPath(path);
    if (isWithin(dir, resolved)) throw protectedPathError(name, resolved, dir, what, true);
    if (isWithin(resolved, dir)) throw protectedPathError(name, resolved, dir, what, false);
  }
}

// A plugin on disk: a single .py file, or a package directory holding __init__.py.
export interface ResolvedPlugin {
  path: string;
  kind: 'file' | 'package';
}

// Upstream's path rules, applied before anything is read: relative to the plugin dir, no `..`, no absolute
// path or drive prefix. Throws the path-traversal error; does not touch the filesystem.
export function pluginPathWithin(pluginDir: string, filename: string): string {
  const name = filename.trim();
  const parts = name.split(/[\\/]+/);
  if (!name || isAbsolute(name) || /^[A-Za-z]:/.test(name) || parts.includes('..')) throw pathTraversalError(filename);
  return join(resolve(pluginDir), name);
}

// The plugin a trigger or dry run names, checked to exist and to stay inside the plugin directory even through
// symlinks (the canonical path must be under the canonical plugin dir).
export async function resolvePluginPath(pluginDir: string, filename: string, protectedDirs: readonly ProtectedDir[] = []): Promise<ResolvedPlugin> {
  const candidate = pluginPathWithin(pluginDir, filename);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw pluginNotFoundError(candidate);
  }
  const root = await realpath(resolve(pluginDir)).catch(() => resolve(pluginDir));
  if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) throw pathTraversalError(filename);
  refuseProtectedPath(filename, real, protectedDirs);
  const info = await stat(real);
  if (info.isFile()) return { path: candidate, kind: 'file' };
  if (info.isDirectory()) {
    const init = await stat(join(real, '__init__.py')).catch(() => null);
    if (init?.isFile()) return { path: candidate, kind: 'package' };
  }
  throw pluginNotFoundError(candidate);
}

// Names that are never plugins (nor watched, at any depth): the venv, caches, dot-dirs, and the `.tmp`/`.old` of an atomic
// package replacement.
export function isIgnoredTopLevel(name: string): boolean {
  return name.startsWith('.') || name === 'venv' || name === '__pycache__' || name === 'node_modules' || /\.(tmp|old)$/.test(name);
}
