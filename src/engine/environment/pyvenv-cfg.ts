import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// What a venv recorded about its making: the interpreter version it was built for is what decides reuse.
export interface PyvenvCfg {
  version: string | undefined;
  home: string | undefined;
  includeSystemSitePackages: boolean;
}

// Reads `<venvDir>/pyvenv.cfg`; undefined when there is none (not a venv).
export async function readPyvenvCfg(venvDir: string): Promise<PyvenvCfg | undefined> {
  let text: string;
  try {
    text = await readFile(join(venvDir, 'pyvenv.cfg'), 'utf8');
  } catch {
    return undefined;
  }
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return {
    version: values.get('version') ?? values.get('version_info'),
    home: values.get('home'),
    includeSystemSitePackages: values.get('include-system-site-packages')?.toLowerCase() === 'true',
  };
}

// Python documents this key as editable; turning it on lets the venv see the distribution's python3-msgpack.
export async function setIncludeSystemSitePackages(venvDir: string, value: boolean): Promise<void> {
  const path = join(venvDir, 'pyvenv.cfg');
  const text = await readFile(path, 'utf8');
  const line = `include-system-site-packages = ${value}`;
  const next = /^include-system-site-packages\s*=.*$/m.test(text)
    ? text.replace(/^include-system-site-packages\s*=.*$/m, line)
    : `${text.replace(/\n?$/, '\n')}${line}\n`;
  await writeFile(path, next);
}
