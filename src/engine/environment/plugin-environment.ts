import { join, resolve } from 'node:path';
import { errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import { ensureVenv, type PluginVenv } from './ensure-venv.js';
import { PythonUnavailableError } from './errors.js';
import { defaultPythonCandidates, findBasePython } from './find-base-python.js';
import { probePython } from './probe-python.js';

// What the engine knows at start: where plugins live, where their venv goes, which python the operator asked for.
export interface PluginEnvironmentOptions {
  pluginDir: string;
  // --virtual-env-location; default <pluginDir>/.venv.
  venvDir: string | null;
  python: string | null;
  logger: Logger;
  withPip?: boolean;
  // First re-probe delay after a failure, doubled per failure up to 8×. Default 30 s, or INFLUXDB3_PLUGIN_ENV_REPROBE_MS.
  reprobeMs?: number;
}

export type EnvironmentState = 'idle' | 'preparing' | 'ready' | 'unavailable';

export const DEFAULT_REPROBE_MS = 30_000;
const MAX_REPROBE_FACTOR = 8;
// An operator action (install package, dry run) re-probes at once, but not more often than this.
const MIN_REPROBE_GAP_MS = 1_000;

// The plugin interpreter, prepared in the background at start so the server serves reads and writes at once.
// When it is unusable (no Python, a broken venv) the environment is 'unavailable': ready() rejects with the error
// naming the fix, whenReady() waits, and the environment is probed again on a timer (with backoff) and whenever
// ready() is called, e.g. by `influxdb3 install package` — a fixed interpreter is picked up without a restart.
export class PluginEnvironment {
  readonly venvDir: string;
  state: EnvironmentState = 'idle';
  venv: PluginVenv | null = null;
  failure: PythonUnavailableError | null = null;
  private attempt: Promise<PluginVenv> | null = null;
  private inFlight = false;
  private failures = 0;
  private lastFailureMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private waiters: Array<(venv: PluginVenv) => void> = [];
  private stopped = false;
  private readonly reprobeMs: number;

  constructor(private readonly options: PluginEnvironmentOptions) {
    this.venvDir = resolve(options.venvDir ?? join(options.pluginDir, '.venv'));
    const fromEnv = Number(process.env.INFLUXDB3_PLUGIN_ENV_REPROBE_MS);
    this.reprobeMs = options.reprobeMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_REPROBE_MS);
  }

  // Starts preparing (idempotent); never throws.
  start(): void {
    void this.ready().catch(() => undefined);
  }

  // The venv, or a rejection with the error that names the fix. While unavailable, a call probes again.
  ready(): Promise<PluginVenv> {
    if (this.state === 'unavailable' && !this.inFlight && Date.now() - this.lastFailureMs >= MIN_REPROBE_GAP_MS) {
      this.attempt = null;
    }
    this.attempt ??= this.run();
    return this.attempt;
  }

  // Resolves once the interpreter is usable, however long that takes: triggers wait on this instead of failing.
  whenReady(): Promise<PluginVenv> {
    if (this.state === 'ready' && this.venv) return Promise.resolve(this.venv);
    const waiting = new Promise<PluginVenv>((resolve) => this.waiters.push(resolve));
    if (this.state === 'idle') this.start();
    return waiting;
  }

  // A runner could not start: when the venv interpreter no longer runs (deleted, its base python removed), the
  // environment becomes unavailable and the returned error says why; null when the interpreter is fine.
  async checkAfterStartFailure(): Promise<PythonUnavailableError | null> {
    if (this.state === 'unavailable') return this.failure;
    if (this.state !== 'ready' || !this.venv) return null;
    const outcome = await probePython(this.venv.python);
    if (outcome.ok || this.state !== 'ready') return null;
    const failure = new PythonUnavailableError(`the plugin venv interpreter ${this.venv.python} ${outcome.reason}`, {
      fixCommand: `rm -rf ${this.venvDir} (it is rebuilt on the next probe)`,
    });
    this.failed(failure);
    this.attempt = Promise.reject(failure);
    this.attempt.catch(() => undefined);
    return failure;
  }

  // Stops the re-probe timer (server shutdown).
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private run(): Promise<PluginVenv> {
    this.clearTimer();
    this.state = 'preparing';
    this.inFlight = true;
    return this.prepare().then(
      (venv) => {
        this.inFlight = false;
        if (this.failures > 0) this.options.logger.info({ venvDir: this.venvDir, python: venv.python }, 'plugin environment usable again; waiting triggers start');
        this.state = 'ready';
        this.venv = venv;
        this.failure = null;
        this.failures = 0;
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w(venv);
        return venv;
      },
      (err: unknown) => {
        this.inFlight = false;
        const failure =
          err instanceof PythonUnavailableError
            ? err
            : new PythonUnavailableError(`cannot prepare the plugin environment: ${errorMessage(err)}`, { cause: err });
        this.failed(failure);
        throw failure;
      },
    );
  }

  private failed(failure: PythonUnavailableError): void {
    const repeated = this.failure?.message === failure.message;
    this.state = 'unavailable';
    this.venv = null;
    this.failure = failure;
    this.failures++;
    this.lastFailureMs = Date.now();
    const delayMs = Math.min(this.reprobeMs * 2 ** (this.failures - 1), this.reprobeMs * MAX_REPROBE_FACTOR);
    const fields = { venvDir: this.venvDir, fix: failure.fixCommand, nextProbeMs: delayMs };
    const text = `processing engine unavailable (reads and writes keep working; triggers wait): ${failure.message}`;
    if (repeated) this.options.logger.debug(fields, text);
    else this.options.logger.error(fields, text);
    this.scheduleReprobe(delayMs);
  }

  private scheduleReprobe(delayMs: number): void {
    this.clearTimer();
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.state !== 'unavailable' || this.inFlight) return;
      this.attempt = null;
      this.start();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async prepare(): Promise<PluginVenv> {
    const { logger } = this.options;
    const started = Date.now();
    logger.info({ venvDir: this.venvDir }, 'preparing the plugin python environment');
    const base = await findBasePython(defaultPythonCandidates(this.options.python ?? undefined), { logger });
    const venv = await ensureVenv({
      venvDir: this.venvDir,
      basePython: base.executable,
      logger,
      withPip: this.options.withPip,
    });
    logger.info(
      { python: venv.python, version: venv.version, msgpack: venv.msgpackVersion ?? 'pure-python fallback', elapsedMs: Date.now() - started },
      'plugin python environment ready',
    );
    return venv;
  }
}
