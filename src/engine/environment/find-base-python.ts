import type { Logger } from '../../shared/logger.js';
import { PythonUnavailableError, systemFixCommand, type CandidateRejection } from './errors.js';
import { probePython, type PythonProbe } from './probe-python.js';

// The oldest Python whose syntax and stdlib python-runner relies on.
export const MIN_PYTHON = { major: 3, minor: 10 } as const;

// The chosen interpreter, plus why every earlier candidate was passed over (shown at startup).
export interface BasePython extends PythonProbe {
  rejected: CandidateRejection[];
}

// Where we look, in order: what the operator configured (--python / INFLUXDB3_PYTHON), PATH, the distribution's.
export function defaultPythonCandidates(configured?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [configured ?? env.INFLUXDB3_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
}

// A pyenv or conda python3 first on PATH often lacks msgpack while /usr/bin/python3 has it: try each in turn and
// take the first that is new enough and can import msgpack.
export async function findBasePython(candidates: string[], options: { logger?: Logger } = {}): Promise<BasePython> {
  const rejected: CandidateRejection[] = [];
  for (const candidate of [...new Set(candidates)]) {
    const verdict = judge(await probePython(candidate));
    if (typeof verdict !== 'string') {
      options.logger?.info(
        { python: verdict.executable, version: verdict.version, msgpack: verdict.msgpackVersion, rejected },
        'python for plugins found',
      );
      return { ...verdict, rejected };
    }
    const reason = verdict;
    rejected.push({ candidate, reason });
    options.logger?.info({ candidate, reason }, 'python candidate rejected');
  }
  const report = rejected.map((r) => `${r.candidate}: ${r.reason}`).join('; ');
  throw new PythonUnavailableError(
    `no python >= ${MIN_PYTHON.major}.${MIN_PYTHON.minor} that can import msgpack was found (${report || 'no candidates'}); ` +
      'install one, or pass --python <path>',
    { fixCommand: systemFixCommand('python3 python3-msgpack python3-venv'), rejected },
  );
}

// The usable probe, or why the candidate is rejected.
function judge(outcome: Awaited<ReturnType<typeof probePython>>): string | PythonProbe {
  if (!outcome.ok) return outcome.reason;
  const p = outcome.probe;
  const where = p.executable === p.command ? '' : ` (${p.executable})`;
  if (p.major < MIN_PYTHON.major || (p.major === MIN_PYTHON.major && p.minor < MIN_PYTHON.minor)) {
    return `python ${p.version}${where} is older than ${MIN_PYTHON.major}.${MIN_PYTHON.minor}`;
  }
  if (!p.msgpackVersion) return `python ${p.version}${where} cannot import msgpack (${p.msgpackError})`;
  return p;
}
