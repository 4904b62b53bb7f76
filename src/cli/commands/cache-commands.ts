import type { Command } from 'commander';
import { parseDurationNs } from '../../shared/duration.js';
import { clientFor, requireDatabase, withCommon, type CommonOpts } from './common.js';

interface TableOpts extends CommonOpts {
  table?: string;
}

function requireTable(opts: TableOpts): string {
  if (!opts.table) throw new Error('a table is required: pass -t/--table <name>');
  return opts.table;
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

// humantime durations as upstream's CLI takes them ("4 hours", "1d", "90s"), sent as whole seconds.
export function durationSeconds(text: string, flag: string): number {
  let ns: bigint;
  try {
    ns = parseDurationNs(text);
  } catch (err) {
    throw new Error(`invalid ${flag} '${text}': ${(err as Error).message}`);
  }
  if (ns < 1_000_000_000n) throw new Error(`invalid ${flag} '${text}': must be at least 1 second`);
  return Number(ns / 1_000_000_000n);
}

function positiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new Error(`invalid ${flag} '${text}': expected a whole number, at least 1`);
  return Number(text);
}

// `create last_cache` and `create distinct_cache`; they print the new definition.
export function createCacheCommands(create: Command): void {
  withCommon(create.command('last_cache'), true)
    .description('create a last value cache on a table')
    .argument('[name]', 'cache name (default: <table>_<key columns>_last_cache)')
    .option('-t, --table <table>', 'table to cache')
    .option('--key-columns <columns>', 'comma-separated key columns (default: the tags)')
    .option('--value-columns <columns>', 'comma-separated value columns (default: all other columns)')
    .option('--count <n>', 'rows kept per key, 1 to 10', '1')
    .option('--ttl <duration>', 'how long a row stays, e.g. "4 hours"', '4 hours')
    .action(async (name: string | undefined, opts: TableOpts & { keyColumns?: string; valueColumns?: string; count: string; ttl: string }) => {
      const body = {
        db: requireDatabase(opts),
        table: requireTable(opts),
        name,
        key_columns: list(opts.keyColumns),
        value_columns: list(opts.valueColumns),
        count: positiveInt(opts.count, '--count'),
        ttl: durationSeconds(opts.ttl, '--ttl'),
      };
      const res = await clientFor(opts).request('POST', '/api/v3/configure/last_cache', { json: body });
      process.stdout.write(`new cache created: ${JSON.stringify(await res.json(), null, 2)}\n`);
    });
  withCommon(create.command('distinct_cache'), true)
    .description('create a distinct value cache on a table')
    .argument('[name]', 'cache name (default: <table>_<columns>_distinct_cache)')
    .option('-t, --table <table>', 'table to cache')
    .option('--columns <columns>', 'comma-separated tag or string columns, top level first')
    .option('--max-cardinality <n>', 'most distinct combinations kept', '100000')
    .option('--max-age <duration>', 'how long a combination stays without being written, e.g. 1d', '1d')
    .action(async (name: string | undefined, opts: TableOpts & { columns?: string; maxCardinality: string; maxAge: string }) => {
      const columns = list(opts.columns);
      if (!columns || columns.length === 0) throw new Error('--columns is required: the tag or string columns to cache, e.g. --columns region,host');
      const body = {
        db: requireDatabase(opts),
        table: requireTable(opts),
        name,
        columns,
        max_cardinality: positiveInt(opts.maxCardinality, '--max-cardinality'),
        max_age: durationSeconds(opts.maxAge, '--max-age'),
      };
      const res = await clientFor(opts).request('POST', '/api/v3/configure/distinct_cache', { json: body });
      process.stdout.write(`new cache created: ${JSON.stringify(await res.json(), null, 2)}\n`);
    });
}

// `delete last_cache` and `delete distinct_cache`.
export function deleteCacheCommands(del: Command): void {
  for (const kind of ['last', 'distinct'] as const) {
    withCommon(del.command(`${kind}_cache`), true)
      .description(`delete a ${kind} value cache`)
      .argument('<name>', 'cache name')
      .option('-t, --table <table>', 'table the cache is on')
      .action(async (name: string, opts: TableOpts) => {
        const json = { db: requireDatabase(opts), table: requireTable(opts), name };
        await clientFor(opts).request('DELETE', `/api/v3/configure/${kind}_cache`, { json });
        process.stdout.write(`${kind} cache deleted successfully\n`);
      });
  }
}
