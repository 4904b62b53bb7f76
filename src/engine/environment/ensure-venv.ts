import { execa } from 'execa';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.js';
import { PythonUnavailableError, systemFixCommand } from './errors.js';
import { majorMinor, probePython, type PythonProbe } from './probe-python.js';
import { readPyvenvCfg, setIncludeSystemSitePackages } from './pyvenv-cfg.js';

// Where the venv lives and what builds it; tests turn pip seeding and installs off to stay fast and offline.
export interface EnsureVenvOptions {
  venvDir: string;
  // The interpreter to build from (findBasePython's executable).
  basePython: string;
  logger: Logger;
  // Seed pip into the venv (slow: ensurepip takes seconds); falls back to --without-pip when ensurepip is missing.
  withPip?: boolean;
}

// The interpreter plugins run under.
export interface PluginVenv {
  python: string;
  version: string;
  venvDir: string;
  created: boolean;
  // null: the runner uses its pure-Python codec (slower); python3-msgpack or `pip install msgpack` speeds it up.
  msgpackVersion: string | null;
}

type Inspection = { action: 'reuse'; probe: PythonProbe } | { action: 'create' | 'rebuild' };

// `npm start` on a fresh machine must bring plugins up: reuse the venv when it fits, (re)build it when it does not,
// and otherwise fail with the one command that fixes it. The server never installs system packages itself.
export async function ensureVenv(options: EnsureVenvOptions): Promise<PluginVenv> {
  const { venvDir, logger } = options;
  const baseOutcome = await probePython(options.basePython);
  if (!baseOutcome.ok) {
    throw new PythonUnavailableError(`base python ${options.basePython} is unusable: ${baseOutcome.reason}`, {
      fixCommand: isDefaultPython(options.basePython) ? systemFixCommand('python3 python3-venv') : undefined,
    });
  }
  const base = baseOutcome.probe;
  const venvPython = join(venvDir, 'bin', 'python3');
  const inspection = await inspectVenv(venvDir, venvPython, base, logger);
  if (inspection.action !== 'reuse') await createVenv(base, venvDir, inspection.action === 'rebuild', options);
  const probe = await lookForMsgpack(venvPython, inspection.action === 'reuse' ? inspection.probe : undefined, options);
  if (inspection.action === 'reuse') logger.debug({ venvDir, version: probe.version }, 'plugin venv reused');
  if (!probe.msgpackVersion) {
    logger.warn(
      { venvDir, python: venvPython, reason: probe.msgpackError },
      'python package msgpack is missing: plugins use the runner\'s pure-Python msgpack codec; the C codec is faster ' +
        `(install python3-msgpack, or run: ${venvPython} -m pip install msgpack)`,
    );
  }
  return {
    python: venvPython,
    version: probe.version,
    venvDir,
    created: inspection.action !== 'reuse',
    msgpackVersion: probe.msgpackVersion,
  };
}

async function inspectVenv(venvDir: string, venvPython: string, base: PythonProbe, logger: Logger): Promise<Inspection> {
  const cfg = await readPyvenvCfg(venvDir);
  if (!cfg) {
    if (await isNonEmptyDir(venvDir)) {
      throw new PythonUnavailableError(`${venvDir} exists but is not a python venv (no pyvenv.cfg); refusing to touch it`, {
        fixCommand: `rm -rf ${venvDir}`,
      });
    }
    return { action: 'create' };
  }
  const wanted = majorMinor(base.version);
  const rebuild = (found: string, why: string): Inspection => {
    logger.warn(
      { venvDir, venvVersion: found, baseVersion: base.version },
      `plugin venv ${why}; rebuilding it for python ${wanted} (packages installed into it must be installed again)`,
    );
    return { action: 'rebuild' };
  };
  if (cfg.version && majorMinor(cfg.version) !== wanted) {
    return rebuild(cfg.version, `was built by python ${majorMinor(cfg.version)}`);
  }
  const outcome = await probePython(venvPython);
  if (!outcome.ok) return rebuild(cfg.version ?? 'unknown', `interpreter ${venvPython} ${outcome.reason}`);
  if (majorMinor(outcome.probe.version) !== wanted) {
    return rebuild(outcome.probe.version, `runs python ${majorMinor(outcome.probe.version)}`);
  }
  return { action: 'reuse', probe: outcome.probe };
}

async function createVenv(base: PythonProbe, venvDir: string, clear: boolean, options: EnsureVenvOptions): Promise<void> {
  const { logger } = options;
  const started = Date.now();
  logger.info({ venvDir, python: base.executable, version: base.version }, 'creating the plugin venv (takes a few seconds)');
  const args = (withPip: boolean, clearIt: boolean): string[] => [
    '-m',
    'venv',
    '--system-site-packages',
    ...(clearIt ? ['--clear'] : []),
    ...(withPip ? [] : ['--without-pip']),
    venvDir,
  ];
  const withPip = options.withPip !== false;
  let r = await execa(base.executable, args(withPip, clear), { reject: false, timeout: 300_000, stdin: 'ignore' });
  if (r.failed && withPip) {
    logger.warn({ venvDir, reason: tail(r.stderr || r.shortMessage) }, 'venv with pip failed; retrying without pip');
    r = await execa(base.executable, args(false, true), { reject: false, timeout: 300_000, stdin: 'ignore' });
  }
  if (r.failed) {
    throw new PythonUnavailableError(`cannot create the plugin venv ${venvDir}: ${tail(r.stderr || r.shortMessage)}`, {
      fixCommand: isSystemPython(base) ? systemFixCommand() : `${base.executable} -m venv --system-site-packages ${venvDir}`,
    });
  }
  logger.info({ venvDir, elapsedMs: Date.now() - started }, 'plugin venv created');
}

// msgpack is optional (the runner carries a pure-Python codec): when the venv cannot import it but the system
// site-packages could provide it, let the venv see them; nothing is ever installed.
async function lookForMsgpack(venvPython: string, known: PythonProbe | undefined, options: EnsureVenvOptions): Promise<PythonProbe> {
  const { venvDir, logger } = options;
  let probe = known ?? (await probeVenv(venvPython, venvDir));
  if (probe.msgpackVersion) return probe;
  const cfg = await readPyvenvCfg(venvDir);
  if (cfg && !cfg.includeSystemSitePackages) {
    logger.info({ venvDir }, 'plugin venv cannot import msgpack; letting it see the system site-packages');
    await setIncludeSystemSitePackages(venvDir, true);
    probe = await probeVenv(venvPython, venvDir);
  }
  return probe;
}

async function probeVenv(venvPython: string, venvDir: string): Promise<PythonProbe> {
  const outcome = await probePython(venvPython);
  if (outcome.ok) return outcome.probe;
  throw new PythonUnavailableError(`the plugin venv interpreter ${venvPython} ${outcome.reason}`, {
    fixCommand: `rm -rf ${venvDir}`,
  });
}

// The distribution's interpreter: apt-get can add packages to it.
function isSystemPython(base: PythonProbe): boolean {
  return base.basePrefix === '/usr';
}

// A python found on the default search path (not one the operator named by its full path elsewhere).
function isDefaultPython(command: string): boolean {
  return command === 'python3' || command.startsWith('/usr/bin/');
}

async function isNonEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch {
    return false;
  }
}

function tail(text: string | undefined): string {
  const lines = (text ?? '').trim().split('\n').filter(Boolean);
  return lines.slice(-3).join(' | ').slice(0, 500);
}
