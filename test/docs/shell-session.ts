import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// One bash process that runs a page's examples one after another, like a reader's terminal: variables and
// `export`s carry from block to block, stdout and stderr are one stream.
export class ShellSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private output = '';
  private waiter: (() => void) | null = null;
  private exited = false;

  // `scratch` holds the block files; the examples run in `cwd`.
  constructor(cwd: string, private readonly scratch: string, env: NodeJS.ProcessEnv) {
    this.child = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const take = (d: Buffer) => {
      this.output += d.toString('utf8');
      this.waiter?.();
    };
    this.child.stdout.on('data', take);
    this.child.stderr.on('data', take);
    this.child.once('exit', () => {
      this.exited = true;
      this.waiter?.();
    });
    this.child.stdin.write('exec 2>&1\n');
  }

  // Runs `commands` and returns what they printed; rejects after `timeoutMs` with what was printed so far.
  async run(commands: string, timeoutMs: number): Promise<string> {
    const marker = `@@docs-block-end-${randomUUID()}@@`;
    this.output = '';
    // Sourced from a file with stdin from /dev/null: a command that reads stdin (a confirmation prompt) reads
    // nothing instead of the session's next lines.
    const file = join(this.scratch, `block-${randomUUID()}.sh`);
    writeFileSync(file, `${commands}\n`);
    this.child.stdin.write(`. '${file}' </dev/null\nprintf '\\n%s\\n' '${marker}'\n`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.output.indexOf(`\n${marker}\n`);
      if (at >= 0) return this.output.slice(0, at);
      if (this.exited) throw new Error(`the shell exited; it printed:\n${this.output}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no end after ${timeoutMs} ms; printed so far:\n${this.output}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  // Ends the shell and whatever it started (its own process group), e.g. a command left running by a failed block.
  async close(): Promise<void> {
    const pgid = this.child.pid!;
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.stdin.end('exit\n');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(t);
    }
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // the group is already empty
    }
  }
}
