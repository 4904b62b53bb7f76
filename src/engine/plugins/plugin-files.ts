import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { AppError, badRequest, isAppError } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import { pathTraversalError, pluginInstallationDisabledError } from '../errors.js';
import { SerialQueue } from '../../shared/serial-queue.js';
import { pluginPathWithin, refuseProtectedPath, type ProtectedDir } from './plugin-path.js';
import { isRemotePluginName } from './plugin-ref.js';

// One file of a package upload: a path relative to the package directory and its text.
export interface PluginFileEntry {
  relativePath: string;
  content: string;
}

export interface PluginFilesOptions {
  pluginDir: string;
  logger: Logger;
  pluginDirOnly: boolean;
  // Server directories no upload may reach even when they lie in the plugin dir: the data dir, the plugin venv.
  protectedDirs?: ProtectedDir[];
}

// Writes uploaded plugins into the plugin directory: every write is atomic (temp + fsync + rename),
// a package is swapped in whole, and no name may reach outside the plugin directory, even through symlinks.
// Writes are serialised so a file upload never lands in a package directory that is being swapped.
export class PluginFiles {
  private readonly pluginDir: string;
  private readonly queue = new SerialQueue();

  constructor(private readonly options: PluginFilesOptions) {
    this.pluginDir = resolve(options.pluginDir);
  }

  // --plugin-dir-only refuses every upload with upstream's 403.
  assertUploadsAllowed(): void {
    if (this.options.pluginDirOnly) throw pluginInstallationDisabledError();
  }

  // POST /api/v3/plugins/files: creates or overwrites `<plugin-dir>/<name>`, creating parent directories.
  async writeFile(name: string, content: string): Promise<string> {
    this.assertUploadsAllowed();
    return this.serial(name, async () => {
      const path = await this.resolveWithin(name);
      await this.writeInto(name, path, content);
      this.options.logger.info({ plugin: name, path }, 'plugin file written');
      return path;
    });
  }

  // GET /api/v3/plugins/files (the web console's editor): the text of one file under the plugin dir, by the same path
  // rules as uploads (allowed with --plugin-dir-only: it changes nothing); a package name reads its __init__.py.
  async readFile(name: string): Promise<{ path: string; content: string }> {
    this.refuseRemote(name);
    let path = await this.resolveWithin(name);
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) path = await this.resolveWithin(`${trimTrailingSlash(name)}/__init__.py`);
    const content = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new AppError('plugin_not_found', `plugin file not found: ${name}`, { status: 404 });
      throw new AppError('plugin_read_failed', `cannot read plugin '${name}': ${err.message}`, { status: 500, cause: err });
    });
    return { path, content };
  }

  // PUT /api/v3/plugins/files for a trigger's plugin: a file plugin is overwritten, a package has its __init__.py
  // overwritten (the rest of the package is left as it is).
  async updatePlugin(pluginFilename: string, content: string): Promise<string> {
    this.assertUploadsAllowed();
    this.refuseRemote(pluginFilename);
    return this.serial(pluginFilename, async () => {
      const path = await this.resolveWithin(pluginFilename);
      const info = await stat(path).catch(() => null);
      if (info?.isDirectory()) {
        const init = await this.resolveWithin(`${trimTrailingSlash(pluginFilename)}/__init__.py`);
        await this.writeInto(pluginFilename, init, content);
        this.options.logger.info({ plugin: pluginFilename, path: init }, 'plugin package __init__.py replaced');
        return init;
      }
      await this.writeInto(pluginFilename, path, content);
      this.options.logger.info({ plugin: pluginFilename, path }, 'plugin file replaced');
      return path;
    });
  }

  // PUT /api/v3/plugins/directory: the package directory is replaced by exactly `files`. The new tree is written and
  // fsynced in a hidden sibling, the live directory is renamed aside, the new one renamed in, the old one removed; on
  // failure the old directory is put back. A crash between the two renames is repaired by the next replace.
  async replaceDirectory(pluginFilename: string, files: PluginFileEntry[]): Promise<string> {
    this.assertUploadsAllowed();
    this.refuseRemote(pluginFilename);
    return this.serial(pluginFilename, async () => {
      const target = await this.resolveWithin(pluginFilename);
      const planned = planPackage(pluginFilename, target, files);
      const parent = dirname(target);
      const tmp = join(parent, `.${basename(target)}.tmp`);
      const old = join(parent, `.${basename(target)}.old`);
      const single = await stat(target).then((s) => !s.isDirectory(), () => false);
      if (single) {
        throw badRequest(
          `plugin '${pluginFilename}' is a single file, not a package directory; replace it with PUT /api/v3/plugins/files`,
        );
      }
      await this.recover(target, tmp, old);
      const existing = await lstat(target).catch(() => null);
      await mkdirSynced(parent);
      await mkdir(tmp);
      try {
        const dirs = new Set<string>([tmp]);
        for (const { path, content } of planned) {
          const file = join(tmp, path.slice(target.length + 1));
          await mkdir(dirname(file), { recursive: true });
          for (let d = dirname(file); d.startsWith(tmp) && !dirs.has(d); d = dirname(d)) dirs.add(d);
          await writeSynced(file, content, 'wx');
        }
        for (const d of dirs) await syncDir(d);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
      let movedAside = false;
      try {
        if (existing) {
          await rename(target, old);
          movedAside = true;
        }
        await rename(tmp, target);
      } catch (err) {
        if (movedAside) {
          await rename(old, target).catch((restoreErr: unknown) =>
            this.options.logger.error({ err: restoreErr, target, old }, 'cannot restore the previous plugin directory'),
          );
        }
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
      await syncDir(parent);
      await rm(old, { recursive: true, force: true });
      this.options.logger.info({ plugin: pluginFilename, path: target, files: planned.length }, 'plugin directory replaced');
      return target;
    });
  }

  // Leftovers of an interrupted replace: a live directory missing but `.old` present means the crash came between
  // the two renames, so the old directory goes back; every other leftover is removed.
  private async recover(target: string, tmp: string, old: string): Promise<void> {
    const [live, aside] = await Promise.all([lstat(target).catch(() => null), lstat(old).catch(() => null)]);
    if (!live && aside) {
      this.options.logger.warn({ target }, 'restoring a plugin directory left aside by an interrupted replace');
      await rename(old, target);
    }
    await rm(tmp, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }

  private refuseRemote(pluginFilename: string): void {
    if (isRemotePluginName(pluginFilename)) {
      throw badRequest(`plugin '${pluginFilename}' comes from a repository; only plugins in the plugin directory can be replaced by upload`);
    }
  }

  // The absolute path for a plugin name after the plugin path rules: no NUL, `..`, absolute path or drive prefix, and the
  // deepest existing ancestor (the path itself if it exists) must canonicalise to inside the canonical plugin dir.
  private async resolveWithin(name: string): Promise<string> {
    if (name.includes('\0')) throw pathTraversalError(name);
    const path = pluginPathWithin(this.pluginDir, trimTrailingSlash(name));
    if (path === this.pluginDir) throw badRequest(`plugin name '${name}' names the plugin directory itself`);
    await mkdir(this.pluginDir, { recursive: true });
    const root = await realpath(this.pluginDir);
    for (let probe = path; ; probe = dirname(probe)) {
      let real: string;
      try {
        real = await realpath(probe);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
        // An entry that exists but cannot be resolved is a dangling symlink: never write through it.
        if (await lstat(probe).then(() => true, () => false)) throw pathTraversalError(name);
        if (dirname(probe) === probe) throw err;
        continue;
      }
      if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) throw pathTraversalError(name);
      refuseProtectedPath(name, join(real, relative(probe, path)), this.options.protectedDirs ?? []);
      return path;
    }
  }

  private async writeInto(name: string, path: string, content: string): Promise<void> {
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) throw badRequest(`cannot write plugin file '${name}': it is a directory`);
    await mkdirSynced(dirname(path));
    await writeAtomic(path, content);
  }

  // Runs one mutation at a time; file-system failures become a 500 that names the plugin.
  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const guarded = async (): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        if (isAppError(err)) throw err;
        throw new AppError('plugin_write_failed', `cannot write plugin '${name}': ${(err as Error).message}`, { status: 500, cause: err });
      }
    };
    return this.queue.run(guarded);
  }
}

// Checks a package upload: at least one file, every relative path inside the package, no duplicates, __init__.py
// present. Returns absolute paths under `target`.
function planPackage(pluginFilename: string, target: string, files: PluginFileEntry[]): Array<{ path: string; content: string }> {
  if (files.length === 0) throw badRequest(`no files given for plugin directory '${pluginFilename}'`);
  const seen = new Set<string>();
  const planned = files.map(({ relativePath, content }) => {
    if (relativePath.includes('\0')) throw pathTraversalError(relativePath);
    const path = pluginPathWithin(target, relativePath);
    if (path === target || !path.startsWith(target + sep)) throw badRequest(`relative_path '${relativePath}' does not name a file`);
    if (seen.has(path)) throw badRequest(`relative_path '${relativePath}' is given more than once`);
    seen.add(path);
    return { path, content };
  });
  if (!seen.has(join(target, '__init__.py'))) {
    throw badRequest(`Multi-file plugin directory must contain __init__.py: ${pluginFilename}`);
  }
  return planned;
}

function trimTrailingSlash(name: string): string {
  return name.replace(/[\\/]+$/, '');
}

// Temp file in the same directory, fsync, rename over the target, fsync the directory.
async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeSynced(tmp, content, 'wx');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dirname(path));
}

async function writeSynced(path: string, content: string, flags: string): Promise<void> {
  const fh = await open(path, flags, 0o644);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// mkdir -p that also fsyncs the parents of the directories it created, so they survive a crash.
async function mkdirSynced(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    await syncDir(dirname(d));
    if (d === first || dirname(d) === d) break;
  }
}

// fsync of a directory; some platforms and file systems refuse it, which costs durability, not correctness.
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // not supported here
  } finally {
    await fh?.close();
  }
}
