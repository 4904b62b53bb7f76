import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

// The one root logger; components get children with a `component` binding. Without a destination the lines go to
// stdout as JSON (the server passes a LogOutput for --log-format/--log-destination).
export function createLogger(level: string = 'info', destination?: NodeJS.WritableStream): Logger {
  const lvl = normaliseLevel(level);
  return destination ? pino({ level: lvl, base: { pid: process.pid } }, destination as never) : pino({ level: lvl });
}

// --log-filter accepts InfluxDB's `info`, `debug`, `warn`… and also Rust-style `info,module=debug` (first part wins).
export function normaliseLevel(filter: string): LevelWithSilent {
  const first = filter.split(',')[0]!.trim().toLowerCase();
  const allowed: LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
  if (first === 'warning') return 'warn';
  if (first === 'off') return 'silent';
  if ((allowed as string[]).includes(first)) return first as LevelWithSilent;
  throw new Error(`invalid log filter '${filter}': expected one of ${allowed.join(', ')}`);
}
