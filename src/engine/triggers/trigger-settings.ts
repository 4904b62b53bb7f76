import { AppError } from '../../shared/app-error.js';

// What happens when a WAL or schedule call fails (reference §4.3); request triggers always answer 500.
export type ErrorBehavior = 'log' | 'retry' | 'disable';

// `trigger_settings` in code form; the HTTP body and the catalog use `{run_async, error_behavior}`.
export interface TriggerSettings {
  runAsync: boolean;
  errorBehavior: ErrorBehavior;
}

// The settings a trigger gets when the request leaves them out (the CLI's defaults).
export const DEFAULT_TRIGGER_SETTINGS: Readonly<TriggerSettings> = Object.freeze({ runAsync: false, errorBehavior: 'log' });

const BEHAVIORS: readonly ErrorBehavior[] = ['log', 'retry', 'disable'];

function invalid(message: string): AppError {
  return new AppError('invalid_trigger_settings', message, { status: 400 });
}

// Accepts `log|retry|disable` in any casing: the docs write `Log`, upstream's serde only `log` (reference §4.3).
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

// The JSON shape upstream stores and the HTTP API takes (reference §4.6).
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

// The CLI's `--trigger-arguments k1=v1,k2=v2`: split on `,`, each item on its first `=` (reference §4.4).
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
