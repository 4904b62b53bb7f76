import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { AppError, errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import { SerialQueue } from '../../shared/serial-queue.js';
import { pluginInstallationDisabledError } from '../errors.js';
import { REMOTE_PLUGIN_PREFIX } from './plugin-ref.js';

// Where fetched plugins are kept, inside the plugin directory (the watcher and registry ignore it).
export const PLUGIN_CACHE_DIR = '.plugin-cache';
// Only these transports may reach git (no `ext::` command execution through a crafted repository URL).
const GIT_ENV = { GIT_ALLOW_PROTOCOL: 'file:https:http:ssh:git', GIT_TERMINAL_PROMPT: '0' };

// A remote plugin on local disk: the path the runner loads, its kind, its version, and whether this is a stale copy
// kept from an earlier fetch because the repository could not be reached.
export interface FetchedPlugin {
  name: string;
  path: string;
  kind: 'file' | 'package';
  version: string;
  stale: boolean;
}

export function fetchError(message: string, cause?: unknown): AppError {
  return new AppError('plugin_fetch', `error fetching plugin from repository: ${message}`, { status: 500, cause });
}

// `gh:<path>[@<ref>]` → the path in the repository and the optional ref (branch, tag or commit).
export function parseRemoteName(name: string): { path: string; ref: string | null } {
  const body = name.slice(REMOTE_PLUGIN_PREFIX.length).trim().replace(/^\/+/, '').replace(/\/+$/, '');
  const at = body.lastIndexOf('@');
  const path = at > 0 ? body.slice(0, at) : body;
  const ref = at > 0 ? body.slice(at + 1) : null;
  const parts = path.split('/');
  if (!path || parts.includes('..') || parts.includes('.') || path.includes('\\') || path.includes('\0')) {
    throw fetchError(`invalid plugin name '${name}': expected gh:<path inside the repository>[@<ref>]`);
  }
  // A ref may not look like a git option (leading `-`) nor climb (`..`): it goes to git rev-parse as given.
  if (ref !== null && (!/^[A-Za-z0-9_][A-Za-z0-9._\/-]*$/.test(ref) || ref.split('/').includes('..'))) throw fetchError(`invalid ref '${ref}' in '${name}'`);
  return { path, ref };
}

// A Git --plugin-repo: `git+https://…`, `git+file://…`, `git+ssh://…`, or anything ending in `.git`.
export function gitRepoUrl(repo: string): string | null {
  if (repo.startsWith('git+')) return repo.slice(4);
  if (/\.git\/?$/.test(repo)) return repo;
  return null;
}

const short = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

// `gh:` plugins from --plugin-repo, which may be a static HTTP(S) host (upstream) or a Git
// repository (beyond upstream, with `@ref` pinning and multi-file packages). Beyond upstream too, every fetched
// plugin is kept under <plugin-dir>/.plugin-cache, so a restart or re-enable works while the repository is down
// (the stale copy is used and a warning logged).
export class RemotePlugins {
  private readonly cacheRoot: string;
  // One git operation at a time on the shared mirrors.
  private readonly gitQueue = new SerialQueue();

  constructor(private readonly options: { pluginDir: string; pluginRepo: string; pluginDirOnly: boolean; logger: Logger; timeoutMs?: number }) {
    this.cacheRoot = join(options.pluginDir, PLUGIN_CACHE_DIR);
  }

  // Fetches (refresh=true) or reuses the cached copy when there is one (refresh=false, e.g. at boot with a cache).
  async resolve(name: string, refresh = true): Promise<FetchedPlugin> {
    if (this.options.pluginDirOnly) throw pluginInstallationDisabledError();
    const { path, ref } = parseRemoteName(name);
    const git = gitRepoUrl(this.options.pluginRepo);
    if (git) return this.gitQueue.run(() => this.fromGit(name, git, path, ref, refresh));
    if (ref !== null) throw fetchError(`'${name}' pins a ref, which needs a Git --plugin-repo (git+https://…, git+file://… or …/repo.git)`);
    return this.fromHttp(name, path, refresh);
  }

  private async fromHttp(name: string, path: string, refresh: boolean): Promise<FetchedPlugin> {
    const repo = this.options.pluginRepo;
    const file = join(this.cacheRoot, 'http', short(repo), path);
    const cached = existsSync(file);
    if (cached && !refresh) return this.fileResult(name, file, false);
    const url = new URL(path, repo.endsWith('/') ? repo : `${repo}/`).toString();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000) });
      if (!res.ok) throw fetchError(`${res.status} ${res.statusText} ${url}`);
      const text = Buffer.from(await res.arrayBuffer());
      await mkdir(dirname(file), { recursive: true });
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
      this.options.logger.info({ plugin: name, url, bytes: text.length }, 'fetched remote plugin');
      return this.fileResult(name, file, false);
    } catch (err) {
      const failure = err instanceof AppError ? err : fetchError(`${errorMessage(err)} ${url}`, err);
      // A 404 means the plugin is gone: no stale copy hides that. Unreachable repositories fall back to the cache.
      if (!cached || /^error fetching plugin from repository: 404 /.test(failure.message)) throw failure;
      this.options.logger.warn({ plugin: name, err: failure.message }, 'plugin repository unreachable; using the cached copy');
      return this.fileResult(name, file, true);
    }
  }

  private async fileResult(name: string, file: string, stale: boolean): Promise<FetchedPlugin> {
    const bytes = await readFile(file);
    return { name, path: file, kind: 'file', version: createHash('sha256').update(bytes).digest('hex'), stale };
  }

  // A bare mirror of the repository, fetched on refresh; the plugin's path at the ref is exported (git archive)
  // into a directory named after the commit, so a pinned commit is immutable on disk.
  private async fromGit(name: string, url: string, path: string, ref: string | null, refresh: boolean): Promise<FetchedPlugin> {
    const key = short(url);
    const mirror = join(this.cacheRoot, 'git', `${key}.git`);
    const hasMirror = existsSync(join(mirror, 'HEAD'));
    let stale = false;
    if (!hasMirror || refresh) {
      try {
        if (!hasMirror) {
          await mkdir(dirname(mirror), { recursive: true });
          await rm(`${mirror}.tmp`, { recursive: true, force: true });
          await this.git(['clone', '--bare', '--quiet', '--', url, `${mirror}.tmp`]);
          await rename(`${mirror}.tmp`, mirror);
        } else {
          await this.git(['-C', mirror, 'fetch', '--quiet', '--prune', '--force', 'origin', '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
        }
      } catch (err) {
        if (!hasMirror) throw fetchError(`git clone of ${url} failed: ${gitMessage(err)}`, err);
        stale = true;
        this.options.logger.warn({ plugin: name, err: gitMessage(err) }, 'plugin repository unreachable; using the cached copy');
      }
    }
    let commit: string;
    try {
      commit = (await this.git(['-C', mirror, 'rev-parse', '--verify', '--quiet', `${ref ?? 'HEAD'}^{commit}`])).trim();
    } catch {
      throw fetchError(`ref '${ref ?? 'HEAD'}' not found in ${url}`);
    }
    const exportDir = join(this.cacheRoot, 'git-export', key, commit);
    const target = join(exportDir, path);
    if (!existsSync(target)) {
      const tmp = `${exportDir}.tmp-${process.pid}-${Date.now()}`;
      await mkdir(tmp, { recursive: true });
      try {
        await execa('sh', ['-c', 'git -C "$1" archive --format=tar "$2" -- "$3" | tar -x -C "$4"', 'sh', mirror, commit, path, tmp], {
          env: GIT_ENV,
          timeout: this.options.timeoutMs ?? 60_000,
        });
        await rm(exportDir, { recursive: true, force: true });
        await rename(tmp, exportDir);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw fetchError(`404 Not Found: '${path}' is not in ${url} at ${ref ?? 'HEAD'} (${commit.slice(0, 12)})`, err);
      }
    }
    const info = await stat(target).catch(() => null);
    if (!info) throw fetchError(`404 Not Found: '${path}' is not in ${url} at ${ref ?? 'HEAD'} (${commit.slice(0, 12)})`);
    if (info.isDirectory() && !existsSync(join(target, '__init__.py'))) {
      throw fetchError(`Multi-file plugin directory must contain __init__.py: ${path}`);
    }
    return { name, path: target, kind: info.isDirectory() ? 'package' : 'file', version: `${commit}:${path}`, stale };
  }

  private async git(args: string[]): Promise<string> {
    const { stdout } = await execa('git', args, { env: GIT_ENV, timeout: this.options.timeoutMs ?? 60_000 });
    return stdout;
  }

}

function gitMessage(err: unknown): string {
  const stderr = (err as { stderr?: string }).stderr;
  return (stderr && stderr.trim().split('\n').slice(-2).join(' ')) || errorMessage(err);
}
