import { fstatSync } from 'node:fs';
import { Writable } from 'node:stream';
import logfmt from 'logfmt';
import { pino } from 'pino';
import { prettyFactory } from 'pino-pretty';

// --log-format: upstream's names. `full` is one human line (pino-pretty), `pretty` the same over several lines,
// `json` pino's own lines, `logfmt` key=value.
export type LogFormat = 'full' | 'pretty' | 'json' | 'logfmt';
export type LogDestination = 'stdout' | 'stderr';

// sd-daemon priorities, so journald files warnings and errors at their level (SyslogLevelPrefix, on by default).
const PRIORITY: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };
const LEVEL_NAME: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

// logfmt values are flat: nested objects become JSON, line breaks are escaped so one record stays one line.
function flatForLogfmt(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (k === 'pid' || k === 'hostname') continue;
    if (k === 'level') out.level = LEVEL_NAME[Number(v)] ?? v;
    else if (k === 'time') out.time = new Date(Number(v)).toISOString();
    else if (v !== null && typeof v === 'object') out[k] = JSON.stringify(v);
    else out[k] = typeof v === 'string' ? v.replace(/\r?\n/g, '\\n') : v;
  }
  return out;
}

/**
 * The stream pino writes its JSON lines to, turning each into the chosen format, with an sd-daemon `<N>` priority
 * prefix when the output goes to journald (systemd sets JOURNAL_STREAM). The text goes out through pino's own
 * destination (SonicBoom, synchronous): the last line before an exit is never lost, and a full pipe (EAGAIN) is
 * waited out rather than failing.
 */
export class LogOutput extends Writable {
  private readonly format: (record: Record<string, unknown>, line: string) => string;
  private readonly sink: { write(text: string): boolean };

  constructor(
    format: LogFormat,
    fd: number,
    private readonly journald: boolean,
    colors = false,
  ) {
    super({ decodeStrings: false });
    this.sink = pino.destination({ dest: fd, sync: true });
    if (format === 'full' || format === 'pretty') {
      const pretty = prettyFactory({
        colorize: colors,
        singleLine: format === 'full',
        translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
        ignore: 'pid,hostname,component',
        messageFormat: '{if component}{component}: {end}{msg}',
      });
      this.format = (record) => pretty(record);
    } else if (format === 'logfmt') {
      this.format = (record) => `${logfmt.stringify(flatForLogfmt(record))}\n`;
    } else {
      this.format = (_record, line) => `${line}\n`;
    }
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      let out = '';
      for (const line of String(chunk).split('\n')) {
        if (line === '') continue;
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(line) as Record<string, unknown>;
        } catch {
          out += `${line}\n`;
          continue;
        }
        const text = this.format(record, line);
        out += this.journald ? `<${PRIORITY[Number(record.level)] ?? 6}>${text}` : text;
      }
      if (out !== '') this.sink.write(out);
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}

// Where the server's log goes and how it looks: `full` by default on a terminal, JSON lines otherwise.
// undefined: pino's own JSON lines to stdout need no stream of ours.
export function logOutput(options: { format?: LogFormat | null; destination?: LogDestination }): LogOutput | undefined {
  const destination = options.destination ?? 'stdout';
  const fd = destination === 'stderr' ? 2 : 1;
  const tty = (destination === 'stderr' ? process.stderr : process.stdout).isTTY === true;
  const format = options.format ?? (tty ? 'full' : 'json');
  const journald = isJournal(fd, process.env.JOURNAL_STREAM);
  if (format === 'json' && fd === 1 && !journald) return undefined;
  return new LogOutput(format, fd, journald, tty && format !== 'json' && format !== 'logfmt');
}

// systemd sets JOURNAL_STREAM=<device>:<inode> of the journal's stream; the fd is journald's only if they match.
export function isJournal(fd: number, journalStream: string | undefined): boolean {
  const m = /^(\d+):(\d+)$/.exec(journalStream ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}
