import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { clientFor, requireDatabase, withCommon, type CommonOpts } from './common.js';

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(question);
  rl.close();
  return answer.trim().toLowerCase() === 'yes';
}

// `create database|table`.
export function createCommands(create: Command): void {
  withCommon(create.command('database'), false)
    .description('create a database')
    .argument('<name>', 'database name')
    .option('--retention-period <duration>', 'how long data is kept, e.g. 30d')
    .action(async (name: string, opts: CommonOpts & { retentionPeriod?: string }) => {
      await clientFor(opts).request('POST', '/api/v3/configure/database', { json: { db: name, retention_period: opts.retentionPeriod } });
      process.stdout.write(`Database "${name}" created successfully\n`);
    });
  withCommon(create.command('table'), true)
    .description('create a table with tag and field columns')
    .argument('<name>', 'table name')
    .option('--tags <tags>', 'comma-separated tag column names (optional)')
    .option('-f, --fields <fields>', 'comma-separated name:type pairs (utf8, int64, uint64, float64, bool)')
    .action(async (name: string, opts: CommonOpts & { tags?: string; fields?: string }) => {
      const db = requireDatabase(opts);
      const fields = (opts.fields ?? '').split(',').filter(Boolean).map((pair) => {
        const [fname, type] = pair.split(':');
        if (!fname || !type) throw new Error(`invalid field '${pair}': expected name:type, e.g. usage:float64`);
        return { name: fname, type };
      });
      const tags = (opts.tags ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      await clientFor(opts).request('POST', '/api/v3/configure/table', { json: { db, table: name, tags, fields } });
      process.stdout.write(`Table "${db}"."${name}" created successfully\n`);
    });
}

// `delete database|table`.
export function deleteCommands(del: Command): void {
  withCommon(del.command('database'), false)
    .description('delete a database')
    .argument('<name>', 'database name')
    .option('--hard-delete <when>', 'never, now, default or an RFC 3339 time')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name: string, opts: CommonOpts & { hardDelete?: string; yes?: boolean }) => {
      if (!opts.yes && !(await confirm(`Are you sure you want to delete "${name}"? Enter 'yes' to confirm: `))) {
        throw new Error('cannot delete database without confirmation: answer yes, or re-run with -y/--yes to skip the prompt');
      }
      await clientFor(opts).request('DELETE', '/api/v3/configure/database', { query: { db: name, hard_delete_at: opts.hardDelete } });
      process.stdout.write(`Database "${name}" deleted successfully\n`);
    });
  withCommon(del.command('table'), true)
    .description('delete a table')
    .argument('<name>', 'table name')
    .option('--hard-delete <when>', 'never, now, default or an RFC 3339 time')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name: string, opts: CommonOpts & { hardDelete?: string; yes?: boolean }) => {
      const db = requireDatabase(opts);
      if (!opts.yes && !(await confirm(`Are you sure you want to delete "${db}"."${name}"? Enter 'yes' to confirm: `))) {
        throw new Error('cannot delete table without confirmation: answer yes, or re-run with -y/--yes to skip the prompt');
      }
      await clientFor(opts).request('DELETE', '/api/v3/configure/table', { query: { db, table: name, hard_delete_at: opts.hardDelete } });
      process.stdout.write(`Table "${db}"."${name}" deleted successfully\n`);
    });
}

// `update database -d NAME -r PERIOD` (or NAME as an argument, as upstream's docs write it): a new retention period, `none` to keep data forever (upstream's PUT).
export function updateDatabaseCommand(update: Command): void {
  withCommon(update.command('database'), true)
    .description('update a database\'s retention period')
    .argument('[database_name]', 'the database (as -d/--database; the form upstream\'s docs show)')
    .option('-r, --retention-period <duration>', 'how long data is kept, e.g. 30d or 24h; none to keep it forever')
    .action(async (name: string | undefined, opts: CommonOpts & { retentionPeriod?: string }, cmd: Command) => {
      // A name on the command line wins over INFLUXDB3_DATABASE_NAME; against -d it is ambiguous.
      if (name !== undefined && cmd.getOptionValueSource('database') === 'cli' && name !== opts.database) {
        throw new Error(`two databases given: '${name}' and -d/--database '${opts.database}'; give one`);
      }
      const db = name ?? requireDatabase(opts);
      if (opts.retentionPeriod === undefined) throw new Error('--retention-period is required for update database: pass -r/--retention-period <duration> (e.g. 30d) or none');
      const period = opts.retentionPeriod.trim().toLowerCase() === 'none' ? null : opts.retentionPeriod;
      await clientFor(opts).request('PUT', '/api/v3/configure/database', { json: { db, retention_period: period } });
      process.stdout.write(`Database "${db}" updated successfully\n`);
    });
}

// `show databases`.
export function showCommands(show: Command): void {
  withCommon(show.command('databases'), false)
    .description('list databases')
    .option('--show-deleted', 'include deleted databases')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json', 'jsonl', 'csv']).default('pretty'))
    .action(async (opts: CommonOpts & { showDeleted?: boolean; format: string }) => {
      const res = await clientFor(opts).request('GET', '/api/v3/configure/database', {
        query: { format: opts.format, show_deleted: opts.showDeleted ? 'true' : undefined },
      });
      const text = await res.text();
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });

  withCommon(show.command('retention'), false)
    .description('show the retention period of every database (or one), from _internal system.databases')
    .option('--database <name>', 'only this database')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json', 'jsonl', 'csv']).default('pretty'))
    .action(async (opts: CommonOpts & { database?: string; format: string }) => {
      const res = await clientFor(opts).request('POST', '/api/v3/query_sql', { json: { db: '_internal', q: retentionSql(opts.database), format: opts.format } });
      const text = await res.text();
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
}

// Upstream's query: the period in the largest whole unit (d, h, m, else s), `infinite` without one.
export function retentionSql(database?: string): string {
  const unit = (ns: string, suffix: string): string => `WHEN retention_period_ns % ${ns} = 0 THEN CAST(retention_period_ns / ${ns} AS VARCHAR) || '${suffix}'`;
  const where = database === undefined ? '' : ` WHERE database_name = '${database.replace(/'/g, "''")}'`;
  return (
    `SELECT database_name, CASE WHEN retention_period_ns IS NULL THEN 'infinite' ${unit('86400000000000', 'd')} ${unit('3600000000000', 'h')} ` +
    `${unit('60000000000', 'm')} ELSE CAST(retention_period_ns / 1000000000 AS VARCHAR) || 's' END AS retention_period ` +
    `FROM system.databases${where} ORDER BY database_name`
  );
}
