import { execa } from 'execa';
import { realpath, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { AppError, badRequest, errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import type { PluginVenv } from './ensure-venv.js';
import { systemFixCommand } from './errors.js';
import { SerialQueue } from '../../shared/serial-queue.js';
import { LineSplitter } from '../../shared/line-splitter.js';
import { pythonDirs, type WrapOptions, type WrappedCommand } from '../runners/sandbox/runner-sandbox.js';

// --package-manager: `uv` is treated as pip, as upstream does; `discover` means pip when it works.
export type PackageManagerKind = 'discover' | 'pip' | 'uv' | 'disabled';

// Upstream's texts.
export const PACKAGES_DISABLED_MESSAGE = 'Package installation has been disabled. Contact your administrator for more information.';
export const NO_PIP_MESSAGE = 'Plugin environment management is disabled';

// What the installer needs from PluginEnvironment (the real one, or a test double).
export interface VenvProvider {
  readonly venvDir: string;
  ready(): Promise<PluginVenv>;
}

export interface PackageInstallerOptions {
  environment: VenvProvider;
  packageManager: PackageManagerKind;
  logger: Logger;
  // Relative requirements paths resolve here (upstream: the server's working directory, which no client can know).
  pluginDir?: string;
  // Extra `--find-links` sources and `--no-index`, for offline installs. The server passes none: pip's own
  // configuration (PIP_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX, pip.conf) reaches pip through the inherited environment.
  findLinks?: string[];
  noIndex?: boolean;
  // One pip run; upstream has no limit. Default 10 minutes.
  timeoutMs?: number;
  // When the venv has no pip, try `python -m ensurepip` once before giving up (default true).
  bootstrapPip?: boolean;
  // The environment pip inherits: the server's filtered by the plugin environment policy (default process.env).
  env?: NodeJS.ProcessEnv;
  // The runners' sandbox (RunnerSandbox): every Python the installer starts in the venv runs inside it. None: directly.
  sandbox?: { wrap(command: string[], opts: WrapOptions): Promise<WrappedCommand> };
}

// One successful pip run.
export interface InstallResult {
  // `name-version` from pip's "Successfully installed" line; empty when everything was already satisfied.
  installed: string[];
  exitCode: number;
  elapsedMs: number;
  output: string[];
}

// What installMissingFor found for a plugin: no requirements.txt, all satisfied, or installed.
export interface PluginRequirementsOutcome {
  requirementsFile: string | null;
  missing: string[];
  result: InstallResult | null;
}

// Who wants pip's output as it comes: each line of it, `\r` progress updates split into lines too.
export interface InstallProgress {
  onLine?: (line: string) => void;
}

// What the HTTP routes call.
export interface PackageInstallerApi {
  // Throws when installing is impossible whatever the request says (the engine is off); called before the body is read.
  assertAvailable(): void;
  installPackages(packages: string[], progress?: InstallProgress): Promise<InstallResult>;
  installRequirements(path: string, progress?: InstallProgress): Promise<InstallResult>;
}

const TAIL_LINES = 20;
const MAX_SPEC_LENGTH = 200;
const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
const CLAUSE = '(?:===|==|~=|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+';
// A PEP 508 requirement without URLs, markers or spaces: `name[extra,...]op version,op version`.
const SPEC_RE = new RegExp(`^${NAME}(?:\\[${NAME}(?:,${NAME})*\\])?(?:${CLAUSE}(?:,${CLAUSE})*)?$`);

// pip runs code of the packages it builds (setup.py), so it gets what plugin runners get: `base` is the server's
// environment already filtered by the plugin environment policy (src/engine/runners/plugin-env-policy.ts).
export function pipEnvironment(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined) env[name] = value;
  return { ...env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONUNBUFFERED: '1' };
}

// Why a package specification is refused, or null when it is fine. Every item becomes one argv entry of pip, so
// anything that pip could read as an option (leading `-`), or that is not a plain requirement, is refused.
export function packageSpecProblem(spec: string): string | null {
  const shown = JSON.stringify(spec);
  if (spec.length === 0) return 'invalid package "": the name is empty';
  if (spec.length > MAX_SPEC_LENGTH) return `invalid package ${shown.slice(0, 60)}…: longer than ${MAX_SPEC_LENGTH} characters`;
  if (spec.startsWith('-')) return `invalid package ${shown}: a package may not start with '-' (pip options are not accepted)`;
  if (/\s/.test(spec)) return `invalid package ${shown}: spaces are not allowed (write pandas==2.2.0, not pandas == 2.2.0)`;
  if (spec.includes(';')) return `invalid package ${shown}: environment markers (';') are not accepted; use a requirements file`;
  if (!SPEC_RE.test(spec)) {
    return `invalid package ${shown}: expected a name with optional extras and version constraints, e.g. pandas==2.2.0 or requests[socks]>=2,<3`;
  }
  return null;
}

// Throws a 400 naming the first bad item.
export function validatePackageSpecs(packages: readonly string[]): void {
  if (packages.length === 0) throw badRequest('no packages to install: give at least one package name');
  for (const p of packages) {
    const problem = packageSpecProblem(p);
    if (problem) throw badRequest(problem);
  }
}

// A pip run that did not succeed: its exit code and the tail of its output.
export class PackageInstallError extends AppError {
  constructor(what: string, outcome: { exitCode?: number; timedOut: boolean; timeoutMs: number; tail: string[]; reason?: string }) {
    const why = outcome.timedOut
      ? `pip did not finish within ${outcome.timeoutMs} ms and was stopped`
      : outcome.exitCode === undefined
        ? `pip could not be run (${outcome.reason ?? 'unknown reason'})`
        : `pip exited with code ${outcome.exitCode}`;
    const tail = outcome.tail.length > 0 ? `; last lines of its output:\n${outcome.tail.join('\n')}` : '';
    super('package_install_failed', `installing ${what} failed: ${why}${tail}`, {
      status: 500,
      details: { exit_code: outcome.exitCode ?? null, timed_out: outcome.timedOut, output: outcome.tail },
    });
    this.name = 'PackageInstallError';
  }
}

// --package-manager disabled: upstream's 403, with what was wanted when a plugin's requirements triggered it.
export function packagesDisabledError(detail?: string): AppError {
  return new AppError('package_installation_disabled', detail ? `${PACKAGES_DISABLED_MESSAGE} (${detail})` : PACKAGES_DISABLED_MESSAGE, { status: 403 });
}

// Lists the requirements of a file that the venv does not satisfy (`missing`) and the lines it cannot judge
// (`unknown`: options, URLs, unparsable lines), so a trigger on an already-provisioned plugin needs no pip at all.
const CHECK_REQUIREMENTS = `
import json, re, sys
try:
    from packaging.requirements import Requirement
except Exception:
    from pip._vendor.packaging.requirements import Requirement
from importlib import metadata
missing, unknown = [], []
for raw in open(sys.argv[1], encoding="utf-8").read().splitlines():
    line = re.sub(r"(^|\\s)#.*$", "", raw).strip()
    if not line:
        continue
    if line.startswith("-") or line.endswith("\\\\"):
        unknown.append(line); continue
    try:
        req = Requirement(line)
    except Exception:
        unknown.append(line); continue
    if req.marker is not None and not req.marker.evaluate():
        continue
    if req.url:
        unknown.append(line); continue
    try:
        version = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        missing.append(line); continue
    if req.specifier and not req.specifier.contains(version, prereleases=True):
        missing.append(line)
print(json.dumps({"missing": missing, "unknown": unknown}))
`;

// Installs Python packages into the plugin venv with `<venv python> -m pip install`, one run at a time. Nothing is
// cached about what is installed: runners import from the venv when they start, so running runners pick up new
// packages on their next start (restart, reload, or a new dry run), and the next check asks the venv again.
export class PackageInstaller implements PackageInstallerApi {
  private readonly queue = new SerialQueue();
  private pipReadyFor: string | null = null;
  private readonly timeoutMs: number;

  constructor(private readonly options: PackageInstallerOptions) {
    this.timeoutMs = options.timeoutMs ?? 600_000;
  }

  get packageManager(): PackageManagerKind {
    return this.options.packageManager;
  }

  assertAvailable(): void {}

  async installPackages(packages: string[], progress: InstallProgress = {}): Promise<InstallResult> {
    this.refuseWhenDisabled();
    validatePackageSpecs(packages);
    return this.queue.run(() => this.runPip([...packages], packages.join(', '), progress));
  }

  // `path` is read on the server: absolute, or relative to the plugin directory.
  async installRequirements(path: string, progress: InstallProgress = {}): Promise<InstallResult> {
    this.refuseWhenDisabled();
    const file = await this.requirementsFile(path);
    return this.queue.run(() => this.runPip(['-r', file], `the requirements of ${file}`, progress));
  }

  // A multi-file plugin may carry requirements.txt: installs what the venv lacks, or throws pip's error (so a
  // trigger on it is refused before it is stored). A single-file plugin, or a package without the file, is a no-op.
  async installMissingFor(pluginPath: string): Promise<PluginRequirementsOutcome> {
    const file = join(pluginPath, 'requirements.txt');
    if (!(await isFile(file))) return { requirementsFile: null, missing: [], result: null };
    return this.queue.run(async () => {
      const venv = await this.options.environment.ready();
      const check = await this.checkRequirements(venv.python, file);
      if (check && check.missing.length === 0 && check.unknown.length === 0) {
        this.options.logger.debug({ requirements: file }, 'plugin requirements already satisfied');
        return { requirementsFile: file, missing: [], result: null };
      }
      const missing = check ? [...check.missing, ...check.unknown] : [];
      if (this.options.packageManager === 'disabled') throw packagesDisabledError(`the plugin needs: ${missing.join(', ') || file}`);
      this.options.logger.info({ requirements: file, missing }, 'installing the missing requirements of a plugin');
      const result = await this.runPip(['-r', file], `the requirements of ${file}`);
      return { requirementsFile: file, missing, result };
    });
  }

  private refuseWhenDisabled(): void {
    if (this.options.packageManager === 'disabled') throw packagesDisabledError();
  }

  // One pip run at a time: concurrent pip runs in one venv corrupt each other's installs.

  private async requirementsFile(path: string): Promise<string> {
    if (path.length === 0 || path.includes('\0')) throw badRequest(`invalid requirements_location ${JSON.stringify(path)}`);
    const root = resolve(this.options.pluginDir ?? process.cwd());
    const file = isAbsolute(path) ? path : resolve(root, path);
    // Only files under the plugin directory: the endpoint must not read (and echo in pip errors) arbitrary files.
    const real = await realpath(file).catch(() => file);
    const realRoot = await realpath(root).catch(() => root);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) {
      throw new AppError('path_traversal', `requirements_location '${path}' must be a file inside the plugin directory ${root}`, { status: 400 });
    }
    if (!(await isFile(file))) {
      throw new AppError('requirements_not_found', `requirements file not found on the server: ${path}${file === path ? '' : ` (${file})`}`, {
        status: 404,
      });
    }
    return file;
  }

  private async runPip(args: string[], what: string, progress: InstallProgress = {}): Promise<InstallResult> {
    const { logger } = this.options;
    const venv = await this.options.environment.ready();
    await this.ensurePip(venv.python);
    const pipArgs = [
      // No progress bar: its `\r` redraws are not lines a log or a streaming client can use.
      '-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off',
      ...(this.options.noIndex ? ['--no-index'] : []),
      ...(this.options.findLinks ?? []).flatMap((l) => ['--find-links', l]),
      ...args,
    ];
    const base = pipEnvironment(this.options.env);
    const reads = pipHostPaths(base, this.options.findLinks ?? []);
    const fileIndex = args.indexOf('-r');
    if (fileIndex >= 0) reads.readOnly.push(dirname(args[fileIndex + 1]!));
    const run = await this.inVenv(venv.python, pipArgs, { venvDir: venv.venvDir, writable: true, readOnly: reads.readOnly });
    const env = run.sandboxed ? { ...base, ...run.env, ...reads.env, PIP_CACHE_DIR: '/tmp/.cache/pip' } : base;
    const started = Date.now();
    logger.info({ venvDir: venv.venvDir, args, sandbox: run.level }, `installing ${what} into the plugin venv`);
    const child = execa(run.command, run.args, {
      all: true,
      reject: false,
      timeout: this.timeoutMs,
      stdin: 'ignore',
      env,
      extendEnv: false,
    });
    const onLine = (raw: string): void => {
      const line = raw.trimEnd();
      if (!line) return;
      logPipLine(logger, line);
      progress.onLine?.(line);
    };
    const splitter = new LineSplitter(onLine);
    child.all?.on('data', (chunk: Buffer) => splitter.push(chunk));
    const r = await child;
    splitter.end();
    const output = String(r.all ?? '').split('\n').map((l) => l.trimEnd()).filter(Boolean);
    const tail = output.slice(-TAIL_LINES);
    const elapsedMs = Date.now() - started;
    if (r.failed) {
      const notRun = r.exitCode === undefined && !r.timedOut;
      logger.error({ exitCode: r.exitCode, timedOut: r.timedOut, elapsedMs, tail }, `installing ${what} failed`);
      throw new PackageInstallError(what, {
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        timeoutMs: this.timeoutMs,
        tail,
        reason: notRun ? r.shortMessage : undefined,
      });
    }
    const done = output.find((l) => l.startsWith('Successfully installed '));
    const installed = done ? done.slice('Successfully installed '.length).split(/\s+/).filter(Boolean) : [];
    logger.info({ installed, elapsedMs }, installed.length > 0 ? `installed ${installed.join(' ')}` : `${what}: already satisfied`);
    return { installed, exitCode: r.exitCode ?? 0, elapsedMs, output: tail };
  }

  // `python -m pip` must work in the venv (a venv built --without-pip still sees the distribution's pip through
  // system site-packages); otherwise bootstrap it with ensurepip, else answer upstream's 500 with the fix.
  private async ensurePip(python: string): Promise<void> {
    if (this.pipReadyFor === python) return;
    let probe = await this.pipVersion(python);
    if (!probe.ok && this.options.bootstrapPip !== false) {
      this.options.logger.info({ python }, 'pip is missing from the plugin venv; bootstrapping it with ensurepip');
      const run = await this.inVenv(python, ['-m', 'ensurepip', '--default-pip'], { writable: true, readOnly: [] });
      const r = await execa(run.command, run.args, { all: true, reject: false, timeout: 120_000, stdin: 'ignore', env: run.env });
      if (r.failed) probe = { ok: false, reason: `${probe.reason}; ensurepip: ${lastLine(r.all) || r.shortMessage}` };
      else probe = await this.pipVersion(python);
    }
    if (!probe.ok) {
      const fix = `${systemFixCommand('python3-pip python3-venv')} (or ${python} -m ensurepip)`;
      throw new AppError(
        'package_manager_unavailable',
        `${NO_PIP_MESSAGE}: pip cannot run in the plugin venv ${this.options.environment.venvDir} (${probe.reason}); fix it with: ${fix}`,
        { status: 500 },
      );
    }
    this.pipReadyFor = python;
  }

  // `python args` in the runners' sandbox: the Python install read-only, the venv writable when it is installed into.
  private async inVenv(
    python: string,
    args: string[],
    opts: { venvDir?: string; writable: boolean; readOnly: string[] },
  ): Promise<{ command: string; args: string[]; env: Record<string, string>; level: string; sandboxed: boolean }> {
    if (!this.options.sandbox) return { command: python, args, env: {}, level: 'none', sandboxed: false };
    const venvDir = opts.venvDir ?? this.options.environment.venvDir;
    const w = await this.options.sandbox.wrap([python, ...args], {
      readOnly: [...pythonDirs(python), ...opts.readOnly],
      writable: opts.writable ? [venvDir] : [],
    });
    return { command: w.argv[0]!, args: w.argv.slice(1), env: w.env, level: w.level, sandboxed: w.argv[0] !== python };
  }

  private async pipVersion(python: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    const run = await this.inVenv(python, ['-m', 'pip', '--version'], { writable: false, readOnly: [] });
    const r = await execa(run.command, run.args, { all: true, reject: false, timeout: 30_000, stdin: 'ignore', env: run.env });
    return r.failed ? { ok: false, reason: lastLine(r.all) || (r.shortMessage ?? 'failed') } : { ok: true };
  }

  private async checkRequirements(python: string, file: string): Promise<{ missing: string[]; unknown: string[] } | null> {
    const run = await this.inVenv(python, ['-c', CHECK_REQUIREMENTS, file], { writable: false, readOnly: [dirname(file)] });
    const r = await execa(run.command, run.args, { reject: false, timeout: 30_000, stdin: 'ignore', env: run.env });
    if (r.failed) {
      this.options.logger.debug({ file, reason: lastLine(r.stderr) }, 'cannot check plugin requirements; letting pip decide');
      return null;
    }
    try {
      return JSON.parse(lastLine(r.stdout)) as { missing: string[]; unknown: string[] };
    } catch (err) {
      this.options.logger.debug({ file, reason: errorMessage(err) }, 'cannot read the requirements check; letting pip decide');
      return null;
    }
  }
}

// Paths outside the venv that pip reads, named by its environment (local --find-links dirs, config file, CA bundles):
// bound read-only in the sandbox. A user-level pip.conf is passed as PIP_CONFIG_FILE, since HOME is /tmp inside.
export function pipHostPaths(env: Record<string, string>, findLinks: string[]): { readOnly: string[]; env: Record<string, string> } {
  const local = (v: string | undefined) => (v ?? '').split(/\s+/).map((p) => p.replace(/^file:\/\//, '')).filter((p) => isAbsolute(p));
  const readOnly = [
    ...findLinks.flatMap(local),
    ...local(env.PIP_FIND_LINKS),
    ...['PIP_CONFIG_FILE', 'PIP_CERT', 'PIP_CONSTRAINT', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR'].flatMap((n) => local(env[n])),
  ];
  const extra: Record<string, string> = {};
  if (!env.PIP_CONFIG_FILE && env.HOME) {
    const config = [join(env.XDG_CONFIG_HOME || join(env.HOME, '.config'), 'pip', 'pip.conf'), join(env.HOME, '.pip', 'pip.conf')].find((f) => existsSync(f));
    if (config) {
      readOnly.push(config);
      extra.PIP_CONFIG_FILE = config;
    }
  }
  return { readOnly, env: extra };
}

function logPipLine(logger: Logger, line: string): void {
  if (/^(Collecting|Processing|Installing|Successfully|Requirement already satisfied|ERROR|WARNING)/.test(line)) logger.info({ pip: line }, 'pip');
  else logger.debug({ pip: line }, 'pip');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function lastLine(text: string | undefined): string {
  const lines = String(text ?? '').trim().split('\n');
  return lines[lines.length - 1]!.trim();
}
