// Root hook (.mocharc.json "require"): mocha runs without `exit: true`, so a server, timer, child process or watcher
// a test leaves behind keeps the process alive. This fails such a run after a grace period, naming what is left.
const GRACE_MS = 10_000;

interface Handle {
  constructor?: { name?: string };
  fd?: number;
  pid?: number;
  spawnargs?: string[];
  localPort?: number;
  remotePort?: number;
  address?: () => unknown;
  _onTimeout?: unknown;
}

function describeHandle(h: Handle): string {
  const kind = h.constructor?.name ?? typeof h;
  if (h.pid !== undefined) return `${kind} pid ${h.pid}: ${(h.spawnargs ?? []).slice(0, 4).join(' ')}`;
  if (kind === 'Server' && typeof h.address === 'function') return `${kind} listening on ${JSON.stringify(h.address())}`;
  if (kind === 'Socket') return `${kind} ${h.localPort ?? ''} → ${h.remotePort ?? ''}`;
  if (h._onTimeout) return `${kind}: ${String(h._onTimeout).slice(0, 200)}`;
  return kind;
}

export const mochaHooks = {
  afterAll(): void {
    setTimeout(() => {
      const active = (process as unknown as { _getActiveHandles(): Handle[] })._getActiveHandles();
      const leaks = active.filter((h) => !(h.fd !== undefined && h.fd <= 2));
      process.stderr.write(`\nmocha is still running ${GRACE_MS / 1000} s after the last test: leaked handles\n`);
      for (const h of leaks) process.stderr.write(`  - ${describeHandle(h)}\n`);
      // mocha sets the exit code from the failure count in its own 'exit' listener; this one runs after it.
      process.on('exit', () => {
        process.exitCode = 1;
      });
      process.exit(1);
    }, GRACE_MS).unref();
  },
};
