import { AppError } from '../../shared/app-error.js';
import type { ErrorBehavior, TriggerSettings } from '../../storage/catalog/catalog-resources.js';

// The settings types belong to the catalog's trigger resource; the HTTP body uses `{run_async, error_behavior}`.
export type { ErrorBehavior, TriggerSettings };

// The settings a trigger gets when the request leaves them out (the CLI's defaults).
export const DEFAULT_TRIGGER_SETTINGS: Readonly<TriggerSettings> = Object.freeze({ runAsync: false, errorBehavior: 'log' });

const BEHAVIORS: readonly ErrorBehavior[] = ['log', 'retry', 'disable'];

function invalid(message: string): AppError {
  return new AppError('invalid_trigger_settings', message, { status: 400 });
}

// Accepts `log|retry|disable` in any casing: the docs write `Log`, upstream's serde only `log`.
export function parseErrorBehavior(value: unknown): ErrorBehavior {
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    const found = BEHAVIORS.find((b) => b === lower);
    if (found) return found;
  }
  const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
  throw invalid(`invalid error behavior ${shown}: expected one of ${BEHAVIORS.join(', ')}`);
}

// Lenient `trigger_settings`: absent, null, `{}` or missing keys take the defaults; unknown keys are ignored.
export function parseTriggerSettings(input: unknown): TriggerSettings {
  if (input === undefined || input === null) return { ...DEFAULT_TRIGGER_SETTINGS };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw invalid(`invalid trigger_settings ${JSON.stringify(input)}: expected an object like {"run_async": false, "error_behavior": "log"}`);
  }
  const raw = input as Record<string, unknown>;
  const runAsync = raw.run_async ?? DEFAULT_TRIGGER_SETTINGS.runAsync;
  if (typeof runAsync !== 'boolean') throw invalid(`invalid run_async ${JSON.stringify(runAsync)}: expected true or false`);
  const behavior = raw.error_behavior;
  const errorBehavior = behavior === undefined || behavior === null ? DEFAULT_TRIGGER_SETTINGS.errorBehavior : parseErrorBehavior(behavior);
  return { runAsync, errorBehavior };
}

// The JSON shape upstream stores and the HTTP API takes.
export function triggerSettingsToJson(settings: TriggerSettings): { run_async: boolean; error_behavior: ErrorBehavior } {
  return { run_async: settings.runAsync, error_behavior: settings.errorBehavior };
}

// `trigger_arguments` from a JSON body: null or absent stays null (no rows in the system table), `{}` stays `{}`.
export function parseTriggerArguments(input: unknown): Record<string, string> | null {
  if (input === undefined || input === null) return null;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new AppError('invalid_trigger_arguments', `invalid trigger_arguments ${JSON.stringify(input)}: expected an object of strings`, {
      status: 400,
    });
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      throw new AppError(
        'invalid_trigger_arguments',
        `invalid trigger argument '${key}': value ${JSON.stringify(value) ?? String(value)} is not a string`,
        { status: 400 },
      );
    }
    out[key] = value;
  }
  return out;
}

// The CLI's `--trigger-arguments k1=v1,k2=v2`: split on `,`, each item on its first `=`.
export function parseArgumentList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text.trim() === '') return out;
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      const why = eq === 0 ? 'the key is empty' : "it has no '='";
      throw new AppError('invalid_trigger_arguments', `invalid trigger argument '${item}': expected key=value, but ${why}`, {
        status: 400,
      });
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

// Beyond upstream: a trigger's own runner limits, overriding --plugin-memory-limit, --plugin-cpu-limit and
// --plugin-max-processes (null = the server default). HTTP: trigger_settings.memory_limit / cpu_limit / max_processes.
export interface TriggerLimits {
  memoryLimitBytes: number | null;
  cpuCores: number | null;
  maxProcesses: number | null;
}

const BYTE_UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1e6, mib: 1024 ** 2, g: 1024 ** 3, gb: 1e9, gib: 1024 ** 3 };
// Below this a Python runner cannot even start.
const MIN_MEMORY_LIMIT = 32 * 1024 * 1024;

function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

// `256MB`, `1GiB`, `268435456` (bytes; k/M/G are binary, kB/MB/GB decimal, as --plugin-memory-limit).
export function parseMemoryLimit(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  let bytes: number | null = null;
  if (typeof value === 'number' && Number.isInteger(value)) bytes = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+)\s*([a-z]+)?\s*$/i.exec(value);
    const unit = m?.[2]?.toLowerCase();
    if (m && (unit === undefined || BYTE_UNITS[unit] !== undefined)) bytes = Number(m[1]) * (unit ? BYTE_UNITS[unit]! : 1);
  }
  if (bytes === null) throw invalid(`invalid memory_limit ${shown(value)}: expected bytes, e.g. 268435456 or "256MB"`);
  if (bytes < MIN_MEMORY_LIMIT) throw invalid(`invalid memory_limit ${shown(value)}: at least 32MiB is needed to run Python`);
  return bytes;
}

// Cores, e.g. 0.5 or "2".
export function parseCpuLimit(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0.01 || n > 1024) throw invalid(`invalid cpu_limit ${shown(value)}: expected a number of cores from 0.01 to 1024, e.g. 0.5`);
  return n;
}

// Processes and threads of the runner and everything it starts.
export function parseMaxProcesses(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  // The runner itself needs a few threads.
  if (!Number.isInteger(n) || n < 8 || n > 1_000_000) throw invalid(`invalid max_processes ${shown(value)}: expected a whole number from 8 to 1000000`);
  return n;
}

// The limit keys of a `trigger_settings` object (other keys are parseTriggerSettings' business).
export function parseTriggerLimits(settings: unknown): TriggerLimits {
  const raw = typeof settings === 'object' && settings !== null && !Array.isArray(settings) ? (settings as Record<string, unknown>) : {};
  return {
    memoryLimitBytes: parseMemoryLimit(raw.memory_limit),
    cpuCores: parseCpuLimit(raw.cpu_limit),
    maxProcesses: parseMaxProcesses(raw.max_processes),
  };
}
