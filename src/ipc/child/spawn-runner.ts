import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Logger } from '../../shared/logger.js';
import { Connection, type ConnectionOptions } from '../connection/connection.js';
import { RunnerError, describeExit, type RunnerErrorCode } from '../errors.js';
import { ChoreMethod, PROTOCOL_VERSION, parseHello, parseProtocolErrorParams, type HelloInfo } from '../protocol/chores.js';
import { buildChildEnv } from './build-child-env.js';
import { readRssBytes } from './read-rss-bytes.js';
import type { OutputRateLimiter } from './output-rate-limiter.js';
import { StderrForwarder } from './stderr-forwarder.js';

// How to start one runner; `name` (the trigger) labels its logs and errors.
export interface SpawnRunnerOptions {
  python: string;
  args?: string[];
  // Spawn this program with `args` instead of `python` (a sandbox wrapper such as bwrap, whose argv runs Python).
  command?: string;
  // The child leads its own process group; kill() signals the whole group, and what is left of it dies when the
  // child exits (plugins that fork). Used when no PID namespace contains the runner.
  processGroup?: boolean;
  // The command is a wrapper that reports a signalled child as exit code 128 + signal (bwrap): shown as the signal.
  wrapped?: boolean;
  cwd?: string;
  // The caller's environment, filtered by buildChildEnv; defaults to process.env.
  env?: NodeJS.ProcessEnv;
  // Added after filtering (trusted); undefined removes a variable.
  extraEnv?: Record<string, string | undefined>;
  logger: Logger;
  // Shown in every log line and error (the trigger name).
  name: string;
  helloTimeoutMs?: number;
  connection?: Omit<ConnectionOptions, 'closeOnEnd' | 'logger'>;
  // The output allowance to draw from; shared by every runner of one trigger (pools, restarts).
  outputLimiter?: OutputRateLimiter;
}

// How the child ended, as Node reports it (one of the two is null).
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// A live child that said hello; everything the supervisor needs to talk to it, watch it and stop it.
export interface RunnerProcess {
  readonly name: string;
  readonly pid: number;
  readonly hello: HelloInfo;
  readonly connection: Connection;
  // Resolves (never rejects) once the child is gone and its output drained.
  readonly exited: Promise<ExitInfo>;
  readonly exitInfo: ExitInfo | undefined;
  rssBytes(): Promise<number | undefined>;
  // `$/shutdown`, up to graceMs for the child to leave, then SIGKILL.
  shutdown(graceMs?: number): Promise<ExitInfo & { forced: boolean }>;
  kill(signal?: NodeJS.Signals): void;
  stderrTail(): string;
}

const DEFAULT_HELLO_TIMEOUT_MS = 10_000;

// bwrap exits with 128 + n when the sandboxed command was killed by signal n.
function unwrapExit(code: number | null, signal: NodeJS.Signals | null): ExitInfo {
  if (code !== null && code > 128 && code < 128 + 65) {
    const name = Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name) return { code: null, signal: name as NodeJS.Signals };
  }
  return { code, signal };
}
// After 'exit', how long to wait for the child's pipes to close (a grandchild may hold them open).
const DRAIN_AFTER_EXIT_MS = 500;
// A child whose frame stream is gone but which lingers is killed after this long.
const LINGER_MS = 2_000;

// Starts one Python runner and resolves once it announced itself with `$/hello`; on failure nothing is left running.
export async function spawnRunner(options: SpawnRunnerOptions): Promise<RunnerProcess> {
  const child = spawn(options.command ?? options.python, options.args ?? [], {
    cwd: options.cwd,
    env: buildChildEnv(options.env ?? process.env, options.extraEnv),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.processGroup ?? false,
  });
  const runner = new ChildRunner(child, options);
  await runner.waitForHello(options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS);
  return runner;
}

class ChildRunner implements RunnerProcess {
  readonly name: string;
  readonly connection: Connection;
  readonly exited: Promise<ExitInfo>;
  hello: HelloInfo = {};
  exitInfo: ExitInfo | undefined;
  private readonly log: Logger;
  private readonly stderr: StderrForwarder;
  private readonly processGroup: boolean;
  private resolveExited!: (info: ExitInfo) => void;
  private finalized = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  private spawnError: Error | undefined;
  private protocolError: string | undefined;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    options: SpawnRunnerOptions,
  ) {
    this.name = options.name;
    this.processGroup = options.processGroup ?? false;
    // `runnerPid`, not `pid`: pino's base bindings already carry the host's pid.
    this.log = options.logger.child({ runner: options.name, runnerPid: child.pid });
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.stderr = new StderrForwarder(child.stderr, this.log, { limiter: options.outputLimiter });
    this.connection = new Connection(child.stdout, child.stdin, {
      ...options.connection,
      closeOnEnd: false,
      logger: this.log,
    });
    this.connection.onNotification(ChoreMethod.protocolError, (params) => {
      this.protocolError = parseProtocolErrorParams(params);
      this.log.error({ reason: this.protocolError }, 'runner reported a protocol error');
    });
    child.on('exit', (code, signal) => {
      this.exitInfo = options.wrapped ? unwrapExit(code, signal) : { code, signal };
      // Whatever the plugin forked into the runner's group goes with it (this also closes the pipes they hold).
      this.killGroup('SIGKILL');
      this.drainTimer = setTimeout(this.finalize, DRAIN_AFTER_EXIT_MS);
    });
    child.on('close', this.finalize);
    child.on('error', (err) => {
      if (child.pid !== undefined) return; // a failed kill(); 'exit' still comes
      this.spawnError = err;
      this.exitInfo = { code: null, signal: null };
      this.finalize();
    });
    // Lost the frame stream (or the connection failed) but still running: give it a moment, then kill it.
    child.stdout.on('end', this.killIfLingering);
    child.stdin.on('error', this.killIfLingering);
    void this.connection.closed.then(this.killIfLingering);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  rssBytes(): Promise<number | undefined> {
    return this.exitInfo || this.child.pid === undefined ? Promise.resolve(undefined) : readRssBytes(this.child.pid);
  }

  async shutdown(graceMs = 5_000): Promise<ExitInfo & { forced: boolean }> {
    this.shuttingDown = true;
    if (!this.exitInfo) {
      if (!this.connection.isClosed) {
        this.connection.request(ChoreMethod.shutdown, {}, { timeoutMs: graceMs }).catch(() => undefined);
      }
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]);
      clearTimeout(timer);
      if (!inTime) {
        this.log.warn({ graceMs }, 'runner did not exit after $/shutdown; killing it');
        this.kill('SIGKILL');
        return { ...(await this.exited), forced: true };
      }
    }
    return { ...(await this.exited), forced: false };
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exitInfo || this.child.pid === undefined) return;
    if (this.processGroup) this.killGroup(signal);
    else this.child.kill(signal);
  }

  // The group's id is the child's pid; it is not reused while any member is alive, so this cannot hit a stranger.
  private killGroup(signal: NodeJS.Signals): void {
    if (!this.processGroup || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // the group is already empty
    }
  }

  stderrTail(): string {
    return this.stderr.tailText();
  }

  waitForHello(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const fail = async (summary: string, timedOut: boolean): Promise<void> => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.kill('SIGKILL');
        await this.exited;
        reject(this.error('runner_start_failed', summary, timedOut));
      };
      const timer = setTimeout(() => void fail(`did not say hello within ${timeoutMs} ms`, true), timeoutMs);
      this.connection.onNotification(ChoreMethod.hello, (params) => {
        if (done) return;
        const hello = parseHello(params);
        // A runner from another release (an old python-runner on PYTHONPATH) would misread streamed writes or parted
        // batches: refuse it by name rather than fail later mid-call.
        if (hello.protocolVersion !== undefined && hello.protocolVersion !== PROTOCOL_VERSION) {
          void fail(`speaks protocol version ${hello.protocolVersion}, this server ${PROTOCOL_VERSION}: python-runner does not match the server`, false);
          return;
        }
        done = true;
        clearTimeout(timer);
        this.hello = hello;
        this.log.info({ python: this.hello.pythonVersion, runnerVersion: this.hello.runnerVersion }, 'runner started');
        resolve();
      });
      void this.exited.then(() =>
        fail(this.spawnError ? `could not be started: ${this.spawnError.message}` : 'exited before saying hello', false),
      );
      void this.connection.closed.then((err) => fail(`closed its connection before saying hello: ${err.reason}`, false));
    });
  }

  private error(code: RunnerErrorCode, summary: string, timedOut = false): RunnerError {
    const { code: exitCode = null, signal = null } = this.exitInfo ?? {};
    const how = code === 'runner_start_failed' && !this.spawnError ? ` (${describeExit(exitCode, signal)})` : '';
    const protocol = this.protocolError ? `; protocol error: ${this.protocolError}` : '';
    return new RunnerError(
      code,
      `${summary}${how}${protocol}`,
      { name: this.name, pid: this.child.pid, exitCode, signal, timedOut, stderrTail: this.stderr.tailText() },
      this.spawnError,
    );
  }

  private readonly finalize = (): void => {
    if (this.finalized || !this.exitInfo) return;
    this.finalized = true;
    clearTimeout(this.drainTimer);
    this.stderr.flush();
    const info = this.exitInfo;
    const expected = this.shuttingDown && info.code === 0;
    if (!this.spawnError) {
      const fields = { code: info.code, signal: info.signal };
      if (expected) this.log.info(fields, 'runner exited');
      else this.log.warn(fields, `runner ${describeExit(info.code, info.signal)}`);
    }
    this.child.stdout.destroy();
    this.child.stderr.destroy();
    this.resolveExited(info);
    const how = describeExit(info.code, info.signal);
    this.connection.close(this.error('runner_exited', this.shuttingDown ? `${how} during shutdown` : how));
  };

  private readonly killIfLingering = (): void => {
    if (this.exitInfo) return;
    setTimeout(() => {
      if (!this.exitInfo) {
        this.log.warn('runner lost its frame stream but did not exit; killing it');
        this.kill('SIGKILL');
      }
    }, LINGER_MS);
  };
}
