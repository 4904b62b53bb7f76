import type { Logger } from '../../shared/logger.js';
import { PythonUnavailableError, systemFixCommand, type CandidateRejection } from './errors.js';
import { probePython, type PythonProbe } from './probe-python.js';

// The oldest Python whose syntax and stdlib python-runner relies on.
export const MIN_PYTHON = { major: 3, minor: 10 } as const;

// The chosen interpreter, plus why every earlier candidate was passed over (shown at startup).
export interface BasePython extends PythonProbe {
  rejected: CandidateRejection[];
}

// Where to look for the plugin interpreter, and whether the operator named it.
export interface PythonCandidates {
  candidates: string[];
  // --python / INFLUXDB3_PYTHON: that interpreter is the one used, or plugins wait until it is usable.
  explicit: boolean;
}

// What the operator configured (--python / INFLUXDB3_PYTHON) and nothing else; otherwise PATH, then the distribution's.
export function defaultPythonCandidates(configured?: string, env: NodeJS.ProcessEnv = process.env): PythonCandidates {
  const named = configured || env.INFLUXDB3_PYTHON;
  return named ? { candidates: [named], explicit: true } : { candidates: ['python3', '/usr/bin/python3'], explicit: false };
}

// The runner needs only the standard library (it carries a pure-Python msgpack codec), so any Python >= 3.10 will do.
// An operator's --python is used as named, never replaced. Without one, a pyenv or conda python3 first on PATH
// often lacks the `msgpack` package while /usr/bin/python3 has it: among usable candidates the first with msgpack
// (the C codec, several times faster) wins, else the first usable one.
export async function findBasePython(where: PythonCandidates | string[], options: { logger?: Logger } = {}): Promise<BasePython> {
  const { candidates, explicit } = Array.isArray(where) ? { candidates: where, explicit: false } : where;
  const rejected: CandidateRejection[] = [];
  const usable: PythonProbe[] = [];
  for (const candidate of [...new Set(candidates)]) {
    const verdict = judge(await probePython(candidate));
    if (typeof verdict === 'string') {
      rejected.push({ candidate, reason: verdict });
      options.logger?.info({ candidate, reason: verdict }, 'python candidate rejected');
      continue;
    }
    usable.push(verdict);
    if (verdict.msgpackVersion) break;
  }
  const chosen = usable.find((p) => p.msgpackVersion) ?? usable[0];
  if (!chosen) {
    const report = rejected.map((r) => `${r.candidate}: ${r.reason}`).join('; ');
    throw new PythonUnavailableError(
      explicit
        ? `the python named by --python / INFLUXDB3_PYTHON is unusable (${report}); fix it or name another python >= ${MIN_PYTHON.major}.${MIN_PYTHON.minor}`
        : `no python >= ${MIN_PYTHON.major}.${MIN_PYTHON.minor} was found (${report || 'no candidates'}); install one, or pass --python <path>`,
      { fixCommand: explicit ? undefined : systemFixCommand('python3 python3-venv'), rejected },
    );
  }
  const passedOver = usable.filter((p) => p !== chosen);
  for (const p of passedOver) {
    const reason = `python ${p.version} (${p.executable}) has no msgpack package; ${chosen.command} has it and runs plugin I/O faster`;
    rejected.push({ candidate: p.command, reason });
    options.logger?.info({ candidate: p.command, reason }, 'python candidate passed over');
  }
  options.logger?.info(
    { python: chosen.executable, version: chosen.version, msgpack: chosen.msgpackVersion, explicit, rejected },
    'python for plugins found',
  );
  return { ...chosen, rejected };
}

// The usable probe, or why the candidate is rejected.
function judge(outcome: Awaited<ReturnType<typeof probePython>>): string | PythonProbe {
  if (!outcome.ok) return outcome.reason;
  const p = outcome.probe;
  const where = p.executable === p.command ? '' : ` (${p.executable})`;
  if (p.major < MIN_PYTHON.major || (p.major === MIN_PYTHON.major && p.minor < MIN_PYTHON.minor)) {
    return `python ${p.version}${where} is older than ${MIN_PYTHON.major}.${MIN_PYTHON.minor}`;
  }
  return p;
}
