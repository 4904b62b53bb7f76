import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { clientFor, requireDatabase, withCommon, type CommonOpts } from './common.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function readQueryFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read file '${path}' (-f/--file): ${(err as Error).message}`);
  }
}

// `influxdb3 query` (alias `q`): the query from an argument, -f FILE or stdin, output in any format, optionally to -o FILE.
export function queryCommand(): Command {
  return withCommon(new Command('query'), true)
    .alias('q')
    .description('run a query against a database')
    .argument('[query]', 'the query text (omit to read -f FILE or stdin)')
    .addOption(new Option('-l, --language <lang>', 'query language').choices(['sql', 'influxql']).default('sql'))
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json', 'jsonl', 'json_lines', 'csv', 'parquet']).default('pretty'))
    .option('-o, --output <file>', 'write the result to this file')
    .option('-f, --file <path>', 'read the query from this file')
    .action(async (q: string | undefined, opts: CommonOpts & { language: string; format: string; output?: string; file?: string }) => {
      const db = requireDatabase(opts);
      const text = opts.file ? readQueryFile(opts.file) : q ?? (process.stdin.isTTY ? undefined : await readStdin());
      if (!text || text.trim() === '') throw new Error('no query given: pass it as an argument, with -f FILE, or on stdin (echo "SELECT 1" | influxdb3 query -d DB)');
      if (opts.format === 'parquet' && !opts.output) throw new Error('the parquet format needs an output file: add -o FILE');
      const path = opts.language === 'influxql' ? '/api/v3/query_influxql' : '/api/v3/query_sql';
      const res = await clientFor(opts).request('POST', path, { json: { db, q: text, format: opts.format } });
      const buf = Buffer.from(await res.arrayBuffer());
      if (opts.output) writeFileSync(opts.output, buf);
      else process.stdout.write(buf.length > 0 && buf[buf.length - 1] !== 10 ? Buffer.concat([buf, Buffer.from('\n')]) : buf);
    });
}
