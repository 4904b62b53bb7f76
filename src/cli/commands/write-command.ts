import { createReadStream } from 'node:fs';
import { Command, Option } from 'commander';
import { ServerError } from '../client.js';
import { clientFor, requireDatabase, withCommon, type CommonOpts } from './common.js';
import { dataLines, lineChunks, WriteMetrics, type Chunk } from './write-input.js';

const DEFAULT_MAX_REQUEST_SIZE = 10 * 1024 * 1024; // the server's default --max-http-request-size

interface WriteOpts extends CommonOpts {
  file?: string;
  precision?: string;
  acceptPartial: boolean;
  sync: boolean;
  gzip?: boolean;
  maxRequestSize: number;
  maxConcurrentRequests: number;
  quiet?: boolean;
  writeHost?: string;
}

interface LineError {
  line_number?: number;
  error_message?: string;
  original_line?: string;
}

function positive(flag: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < 1) throw new Error(`invalid ${flag} '${text}': expected a whole number of at least 1`);
    return n;
  };
}

const HOW = "give line protocol as an argument (influxdb3 write -d DB 'cpu,host=a usage=1'), with -f FILE, or on stdin (cat data.lp | influxdb3 write -d DB)";

function source(lp: string | undefined, opts: WriteOpts): { input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>; name: string } {
  if (lp !== undefined) return { input: [lp], name: 'the line protocol argument' };
  if (opts.file !== undefined) return { input: readFile(opts.file), name: `file '${opts.file}'` };
  // Upstream's check: a terminal on stdin means nothing was piped, and waiting would look like a hang.
  if (process.stdin.isTTY) throw new Error(`nothing to write: ${HOW}`);
  return { input: process.stdin as AsyncIterable<Buffer>, name: 'stdin' };
}

async function* readFile(path: string): AsyncGenerator<Buffer> {
  try {
    for await (const piece of createReadStream(path)) yield piece as Buffer;
  } catch (err) {
    throw new Error(`cannot read file '${path}' (-f/--file): ${(err as Error).message}`);
  }
}

// The refused lines of a failed write, or undefined when the error is not about lines (auth, database, network).
function refusedLines(err: unknown): LineError[] | undefined {
  if (!(err instanceof ServerError) || err.status !== 400) return undefined;
  try {
    const data = (JSON.parse(err.body) as { data?: unknown }).data;
    if (Array.isArray(data)) return data as LineError[];
    if (data && typeof data === 'object') return [data as LineError];
  } catch {
    // not a JSON error body
  }
  return undefined;
}

// `influxdb3 write` (alias `w`): line protocol from an argument, -f FILE or stdin, sent in requests of at most
// --max-request-size bytes cut at line boundaries, up to --max-concurrent-requests at a time, with upstream's
// throughput line on stderr after each request (-q for none).
export function writeCommand(): Command {
  return withCommon(new Command('write'), true)
    .alias('w')
    .description('write line protocol to a database')
    .argument('[line_protocol]', 'line protocol to write (omit to read -f FILE or stdin)')
    .option('-f, --file <path>', 'read line protocol from this file')
    .addOption(new Option('-p, --precision <precision>', 'timestamp precision').choices(['auto', 'ns', 'us', 'ms', 's', 'nanosecond', 'microsecond', 'millisecond', 'second']))
    .option('--accept-partial', 'write the valid lines even if some are invalid', true)
    .option('--no-accept-partial', 'refuse the whole request if any line is invalid')
    .option('--no-sync', 'acknowledge before the WAL is synced to disk')
    .option('--gzip', 'gzip the request body')
    .addOption(new Option('--max-request-size <bytes>', 'largest request body; bigger input is split at line boundaries').argParser(positive('--max-request-size')).default(DEFAULT_MAX_REQUEST_SIZE))
    .addOption(new Option('--max-concurrent-requests <n>', 'write requests in flight at once (1: one after the other)').argParser(positive('--max-concurrent-requests')).default(32))
    .option('-q, --quiet', 'print no progress on stderr')
    .addOption(new Option('--write-host <url>', 'send the writes to this URL instead of --host').env('INFLUXDB3_WRITE_HOST_URL'))
    .action(async (lp: string | undefined, opts: WriteOpts) => {
      const db = requireDatabase(opts);
      const { input, name } = source(lp, opts);
      const client = clientFor(opts.writeHost ? { ...opts, host: opts.writeHost } : opts);
      const metrics = new WriteMetrics();
      const refused: string[] = [];
      let sent = 0;
      let stored = 0;
      let failure: unknown;
      const started = Date.now();

      const send = async (chunk: Chunk): Promise<void> => {
        const lines = dataLines(chunk.body);
        sent += lines;
        try {
          await client.request('POST', '/api/v3/write_lp', {
            query: { db, precision: opts.precision, accept_partial: String(opts.acceptPartial), no_sync: opts.sync ? undefined : 'true' },
            body: chunk.body,
            gzip: opts.gzip,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          });
          stored += lines;
        } catch (err) {
          const bad = refusedLines(err);
          if (!bad) throw err;
          // accept_partial=false refuses the whole request, whatever the number of lines named
          stored += opts.acceptPartial ? Math.max(0, lines - bad.length) : 0;
          for (const l of bad) {
            const at = l.line_number === undefined ? '' : `line ${chunk.firstLine + l.line_number}: `;
            refused.push(`  ${at}${l.error_message ?? ''}${l.original_line ? ` (${l.original_line})` : ''}`);
          }
          if (!opts.acceptPartial) throw Object.assign(new Error('refused'), { lineErrors: true });
        }
        metrics.add(chunk.body);
        if (!opts.quiet) process.stderr.write(`  ${metrics.report(Date.now() - started)}\n`);
      };

      const inflight = new Set<Promise<void>>();
      let unsent = false;
      for await (const chunk of lineChunks(input, opts.maxRequestSize)) {
        if (failure !== undefined) {
          unsent = true;
          break;
        }
        if (dataLines(chunk.body) === 0) continue;
        const p: Promise<void> = send(chunk).catch((err: unknown) => {
          failure ??= err;
        }).finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= opts.maxConcurrentRequests) await Promise.race(inflight);
      }
      await Promise.all(inflight);

      if (failure !== undefined && !(failure as { lineErrors?: boolean }).lineErrors) {
        if (stored > 0) process.stderr.write(`${stored} lines were stored before the error${unsent ? '; the rest of the input was not sent' : ''}\n`);
        throw failure;
      }
      if (sent === 0) throw new Error(`nothing to write: ${name} has no line protocol; ${HOW}`);
      if (refused.length > 0) {
        const refusedCount = sent - stored;
        const rest = unsent ? '; the rest of the input was not sent' : '';
        throw new Error(`partial write: ${stored} of ${sent} lines stored, ${refusedCount} refused${opts.acceptPartial ? '' : ' (--no-accept-partial refuses every line of a request with an invalid one)'}${rest}:\n${refused.join('\n')}`);
      }
      process.stdout.write('success\n');
    });
}
