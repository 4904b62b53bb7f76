import type { ServeConfig } from '../../config/schema.js';

// A start failure as one line that says what to change: the port in use names --http-bind, a data dir held by
// another server names the directory and its PID; anything else keeps its message.
export function startFailure(err: unknown, config: Pick<ServeConfig, 'httpHost' | 'httpPort' | 'dataDir'>): string {
  const e = err as NodeJS.ErrnoException & { message?: string };
  const message = e?.message ?? String(err);
  if (e?.code === 'EADDRINUSE') {
    return `address ${config.httpHost}:${config.httpPort} is already in use (--http-bind): stop what listens there or choose another address`;
  }
  if (e?.code === 'EACCES' && /listen/.test(message)) {
    return `no permission to listen on ${config.httpHost}:${config.httpPort} (--http-bind): ports below 1024 need privileges`;
  }
  // DuckDB's lock: "Could not set lock on file "<file>": Conflicting lock is held in <program> (PID <n>)".
  const lock = /Could not set lock on file "([^"]+)": Conflicting lock is held in .*?\(PID (\d+)\)/.exec(message);
  if (lock) return `data dir ${config.dataDir ?? lock[1]} is in use by PID ${lock[2]} (another influxdb3 serve?): stop it or choose another --data-dir`;
  return message.split('\n')[0]!;
}
