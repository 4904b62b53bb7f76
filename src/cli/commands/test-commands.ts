import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { clientFor, requireDatabase, withCommon, type CommonOpts } from './common.js';

interface TestOpts extends CommonOpts {
  inputArguments?: string;
  cacheName?: string;
}

// `k=v,k2=v2` → {k: v, k2: v2}; a value may itself contain `=`.
export function parseInputArguments(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`invalid input argument '${pair}': expected key=value`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}

async function post(opts: TestOpts, path: string, body: Record<string, unknown>): Promise<void> {
  if (opts.inputArguments !== undefined) body.input_arguments = parseInputArguments(opts.inputArguments);
  if (opts.cacheName !== undefined) body.cache_name = opts.cacheName;
  const res = await clientFor(opts).request('POST', path, { json: body });
  process.stdout.write(`${JSON.stringify(await res.json(), null, 2)}\n`);
}

function common(cmd: Command): Command {
  return withCommon(cmd, true)
    .argument('<filename>', 'plugin file (or package directory) relative to the server\'s plugin directory, or gh:<path>')
    .option('--input-arguments <k=v,...>', 'arguments passed to the plugin as `args`')
    .option('--cache-name <name>', 'test cache namespace to use (default _shared_test)');
}

// `influxdb3 test wal_plugin` and `influxdb3 test schedule_plugin`: dry runs that print the
// server's response JSON, pretty-printed.
export function testCommands(test: Command): void {
  test.addCommand(
    common(new Command('wal_plugin'))
      .description('run a WAL plugin once against line protocol, without writing anything')
      .option('--lp <line_protocol>', 'line protocol handed to the plugin as a WAL batch')
      .option('--file <path>', 'read the line protocol from this local file')
      .action(async (filename: string, opts: TestOpts & { lp?: string; file?: string }) => {
        const database = requireDatabase(opts);
        if ((opts.lp === undefined) === (opts.file === undefined)) throw new Error('pass exactly one of --lp "<line protocol>" or --file <path>');
        const inputLp = opts.lp ?? readFileSync(opts.file!, 'utf8');
        await post(opts, '/api/v3/plugin_test/wal', { filename, database, input_lp: inputLp });
      }),
  );
  test.addCommand(
    common(new Command('schedule_plugin'))
      .description('run a schedule plugin once, at the next time its schedule fires')
      .option('--schedule <cron>', '6-field cron expression (default "* * * * * *")')
      .action(async (filename: string, opts: TestOpts & { schedule?: string }) => {
        const database = requireDatabase(opts);
        await post(opts, '/api/v3/plugin_test/schedule', { filename, database, schedule: opts.schedule });
      }),
  );
}
