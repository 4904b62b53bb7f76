import { join, resolve } from 'node:path';
import { errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import { ensureVenv, type PluginVenv } from './ensure-venv.js';
import { PythonUnavailableError } from './errors.js';
import { defaultPythonCandidates, findBasePython } from './find-base-python.js';

// What the engine knows at start: where plugins live, where their venv goes, which python the operator asked for.
export interface PluginEnvironmentOptions {
  pluginDir: string;
  // --virtual-env-location; default <pluginDir>/.venv.
  venvDir: string | null;
  python: string | null;
  logger: Logger;
  withPip?: boolean;
  install?: boolean;
}

export type EnvironmentState = 'idle' | 'preparing' | 'ready' | 'failed';

// The plugin interpreter, prepared in the background at start so the server serves reads and writes at once;
// plugin operations await ready(), which rejects with the error that names the fix command when Python is unusable.
export class PluginEnvironment {
  readonly venvDir: string;
  state: EnvironmentState = 'idle';
  venv: PluginVenv | null = null;
  failure: PythonUnavailableError | null = null;
  private preparing: Promise<PluginVenv> | null = null;

  constructor(private readonly options: PluginEnvironmentOptions) {
    this.venvDir = resolve(options.venvDir ?? join(options.pluginDir, '.venv'));
  }

  // Starts preparing (idempotent); never throws.
  start(): void {
    void this.ready().catch(() => undefined);
  }

  ready(): Promise<PluginVenv> {
    if (!this.preparing) {
      this.state = 'preparing';
      this.preparing = this.prepare().then(
        (venv) => {
          this.state = 'ready';
          this.venv = venv;
          return venv;
        },
        (err: unknown) => {
          const failure =
            err instanceof PythonUnavailableError
              ? err
              : new PythonUnavailableError(`cannot prepare the plugin environment: ${errorMessage(err)}`, { cause: err });
          this.state = 'failed';
          this.failure = failure;
          this.options.logger.error(
            { venvDir: this.venvDir, fix: failure.fixCommand },
            `processing engine unavailable (reads and writes keep working): ${failure.message}`,
          );
          throw failure;
        },
      );
    }
    return this.preparing;
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
      install: this.options.install,
    });
    logger.info({ python: venv.python, version: venv.version, msgpack: venv.msgpackVersion, elapsedMs: Date.now() - started }, 'plugin python environment ready');
    return venv;
  }
}
