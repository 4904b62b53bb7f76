// Finds a Python >= 3.10 with msgpack for python-runner's tests (they check the runner's pure-Python codec against
// the C one; the runner itself needs no msgpack): INFLUXDB3_PYTHON, then python3 on PATH, then /usr/bin/python3.
import { spawnSync } from 'node:child_process';

export function findPython() {
  const candidates = [process.env.INFLUXDB3_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  const probe = 'import sys, msgpack; assert sys.version_info >= (3, 10); print(sys.executable)';
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', probe], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return null;
}
