import { execa } from 'execa';

// What one interpreter says about itself; msgpack is probed in the same run (one process start per candidate).
export interface PythonProbe {
  command: string;
  executable: string;
  version: string;
  major: number;
  minor: number;
  // sys.base_prefix: '/usr' for the distribution's interpreter, whose packages apt-get can add.
  basePrefix: string;
  inVenv: boolean;
  msgpackVersion: string | null;
  msgpackError: string | null;
}

// A candidate that did not even answer the probe has only a reason.
export type ProbeOutcome = { ok: true; probe: PythonProbe } | { ok: false; reason: string };

// Python 2 compatible on purpose, so an old interpreter is reported by version rather than as a syntax error.
const PROBE_SCRIPT = `
import json, sys
info = {"version": "%d.%d.%d" % tuple(sys.version_info[:3]), "executable": sys.executable,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix), "prefix": sys.prefix}
try:
    import msgpack
    info["msgpack"] = ".".join(str(p) for p in msgpack.version)
except Exception as e:
    info["msgpack_error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(info))
`;

// Runs `<command> -c <probe>`; every failure becomes a one-line reason for the report.
export async function probePython(command: string, timeoutMs = 15_000): Promise<ProbeOutcome> {
  const r = await execa(command, ['-c', PROBE_SCRIPT], {
    reject: false,
    timeout: timeoutMs,
    stdin: 'ignore',
    env: { PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.code === 'ENOENT') return { ok: false, reason: 'not found' };
  if (r.code === 'EACCES') return { ok: false, reason: 'not executable' };
  if (r.timedOut) return { ok: false, reason: `did not answer within ${timeoutMs} ms` };
  if (r.failed) return { ok: false, reason: `failed (${lastLine(r.stderr) || r.shortMessage})` };
  try {
    const info = JSON.parse(lastLine(r.stdout)) as Record<string, string | undefined>;
    const [major, minor] = (info.version ?? '').split('.').map(Number);
    if (!Number.isInteger(major) || !Number.isInteger(minor)) throw new Error('no version');
    return {
      ok: true,
      probe: {
        command,
        executable: info.executable || command,
        version: info.version!,
        major: major!,
        minor: minor!,
        basePrefix: info.base_prefix ?? '',
        inVenv: info.prefix !== info.base_prefix,
        msgpackVersion: info.msgpack ?? null,
        msgpackError: info.msgpack ? null : (info.msgpack_error ?? 'unknown error'),
      },
    };
  } catch {
    return { ok: false, reason: `is not a python interpreter (unexpected output ${JSON.stringify(r.stdout.slice(0, 80))})` };
  }
}

// "3.11" from "3.11.2": venvs are tied to the minor version.
export const majorMinor = (version: string): string => version.split('.').slice(0, 2).join('.');

function lastLine(text: string | undefined): string {
  const lines = (text ?? '').trim().split('\n');
  return lines[lines.length - 1]!.trim();
}
