import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

function pythonVersion(): string {
  for (const p of [process.env.INFLUXDB3_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!p) continue;
    const r = spawnSync(p, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return (r.stdout || r.stderr).trim();
  }
  return 'none';
}

export function machine(): Record<string, unknown> {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, python: pythonVersion(), platform: process.platform };
}

export interface Figure {
  name: string;
  unit: string;
  value: number;
  baseline: { name: string; value: number; unit: string };
  ratio: number;
  target?: string;
  [extra: string]: unknown;
}

// Prints each figure as a ratio against its same-run baseline and writes bench/results/<result>.json.
export function report(result: string, figures: Figure[], extra: Record<string, unknown> = {}): void {
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  const doc = { result, date: new Date().toISOString(), machine: machine(), figures, ...extra };
  writeFileSync(join(BENCH_DIR, 'results', `${result}.json`), `${JSON.stringify(doc, null, 2)}\n`);
  for (const f of figures) {
    console.log(
      `${result}: ${f.name} = ${fmt(f.value)} ${f.unit}; baseline ${f.baseline.name} = ${fmt(f.baseline.value)} ${f.baseline.unit}; ratio ${f.ratio.toFixed(3)}${f.target ? ` (target ${f.target})` : ''}`,
    );
  }
}

export function fmt(n: number): string {
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(3);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}
