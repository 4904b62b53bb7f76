import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { clientFor, requireDatabase, withCommon, type CommonOpts } from './common.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// `influxdb3 write`: line protocol from an argument, a file (-f) or stdin.
export function writeCommand(): Command {
  const cmd = withCommon(new Command('write'), true)
    .description('write line protocol to a database')
    .argument('[line_protocol]', 'line protocol to write (omit to read -f FILE or stdin)')
    .option('-f, --file <path>', 'read line protocol from this file')
    .addOption(new Option('-p, --precision <precision>', 'timestamp precision').choices(['auto', 'ns', 'us', 'ms', 's', 'nanosecond', 'microsecond', 'millisecond', 'second']))
    .option('--accept-partial', 'write the valid lines even if some are invalid', true)
    .option('--no-accept-partial', 'refuse the whole write if any line is invalid')
    .option('--no-sync', 'acknowledge before the WAL is synced to disk')
    .option('--gzip', 'gzip the request body')
    .action(async (lp: string | undefined, opts: CommonOpts & { file?: string; precision?: string; acceptPartial: boolean; sync: boolean; gzip?: boolean }) => {
      const db = requireDatabase(opts);
      const body = opts.file ? readFileSync(opts.file, 'utf8') : lp ?? (await readStdin());
      await clientFor(opts).request('POST', '/api/v3/write_lp', {
        query: { db, precision: opts.precision, accept_partial: String(opts.acceptPartial), no_sync: opts.sync ? undefined : 'true' },
        body,
        gzip: opts.gzip,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
      process.stdout.write('success\n');
    });
  return cmd;
}

// `influxdb3 query`: SQL from an argument or -f FILE, output in any format, optionally to -o FILE.
export function queryCommand(): Command {
  return withCommon(new Command('query'), true)
    .description('run a query against a database')
    .argument('[query]', 'the query text')
    .addOption(new Option('-l, --language <lang>', 'query language').choices(['sql', 'influxql']).default('sql'))
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json', 'jsonl', 'json_lines', 'csv', 'parquet']).default('pretty'))
    .option('-o, --output <file>', 'write the result to this file')
    .option('-f, --file <path>', 'read the query from this file')
    .action(async (q: string | undefined, opts: CommonOpts & { language: string; format: string; output?: string; file?: string }) => {
      const db = requireDatabase(opts);
      const text = opts.file ? readFileSync(opts.file, 'utf8') : q;
      if (!text) throw new Error('no query given: pass it as an argument or with -f FILE');
      if (opts.format === 'parquet' && !opts.output) throw new Error('the parquet format needs an output file: add -o FILE');
      const path = opts.language === 'influxql' ? '/api/v3/query_influxql' : '/api/v3/query_sql';
      const res = await clientFor(opts).request('POST', path, { json: { db, q: text, format: opts.format } });
      const buf = Buffer.from(await res.arrayBuffer());
      if (opts.output) writeFileSync(opts.output, buf);
      else process.stdout.write(buf.length > 0 && buf[buf.length - 1] !== 10 ? Buffer.concat([buf, Buffer.from('\n')]) : buf);
    });
}
