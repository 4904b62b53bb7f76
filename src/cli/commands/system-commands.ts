import { Command, Option } from 'commander';
import { queryCommand } from './data-commands.js';
import { clientFor, requireDatabase, withCommon, type CommonOpts } from './common.js';

const FORMATS = ['pretty', 'json', 'jsonl', 'csv'];

// Our information_schema.tables lists every system table of the database (the columns view does not cover them).
export const SYSTEM_TABLES_SQL = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'system' ORDER BY table_name";

// The flags of `show system table`; select and order-by are comma-separated column lists.
export interface SystemTableQuery {
  limit: number;
  select?: string;
  orderBy?: string;
}

function columnList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

// Upstream's query for `show system table` and `summary`: `SELECT .. FROM system."t" [ORDER BY ..] [LIMIT n]`, 0 = no limit.
export function systemTableSql(table: string, q: SystemTableQuery): string {
  const select = columnList(q.select);
  const orderBy = columnList(q.orderBy);
  const clauses = [`SELECT ${select.length > 0 ? select.join(',') : '*'} FROM system.${quoteIdent(table)}`];
  if (orderBy.length > 0) clauses.push(`ORDER BY ${orderBy.join(',')}`);
  if (q.limit > 0) clauses.push(`LIMIT ${q.limit}`);
  return clauses.join('\n');
}

// `-l/--limit`: a whole number, 0 meaning no limit (upstream's u16).
export function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > 65535) throw new Error(`invalid --limit '${text}': expected a whole number from 0 (no limit) to 65535`);
  return n;
}

// The names of the database's system tables, for validating `table NAME` and driving `summary`.
export async function listSystemTables(opts: CommonOpts, db: string): Promise<string[]> {
  const res = await clientFor(opts).request('POST', '/api/v3/query_sql', { json: { db, q: SYSTEM_TABLES_SQL, format: 'json' } });
  const rows = (await res.json()) as Array<{ table_name?: unknown }>;
  return rows.map((r) => String(r.table_name));
}

// The column names of one system table: the CSV header of an empty result.
async function systemColumns(opts: CommonOpts, db: string, table: string): Promise<string[]> {
  const q = `SELECT * FROM system.${quoteIdent(table)} LIMIT 0`;
  const res = await clientFor(opts).request('POST', '/api/v3/query_sql', { json: { db, q, format: 'csv' } });
  const header = (await res.text()).split('\n')[0] ?? '';
  return header.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')).filter(Boolean);
}

const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

// Upstream's table-list (table_name, column_names): the server's information_schema.columns does not list system
// tables, so the columns are read per table and handed back as a VALUES query, which the server prints in any format.
export function tableListSql(tables: Array<{ name: string; columns: string[] }>): string {
  if (tables.length === 0) return 'SELECT CAST(NULL AS VARCHAR) AS table_name, CAST(NULL AS VARCHAR[]) AS column_names WHERE false';
  const rows = tables.map((t) => `(${literal(t.name)}, [${t.columns.map(literal).join(', ')}])`);
  return `SELECT table_name, column_names FROM (VALUES ${rows.join(', ')}) AS t(table_name, column_names) ORDER BY table_name`;
}

// Prints one query's result exactly as `influxdb3 query` would, by running that command.
async function printQuery(opts: CommonOpts, db: string, sql: string, format: string): Promise<void> {
  const argv = ['--host', opts.host, '--database', db, '--format', format];
  if (opts.token !== undefined) argv.push('--token', opts.token);
  await queryCommand().parseAsync([...argv, '--', sql], { from: 'user' });
}

function withFormat(cmd: Command): Command {
  return cmd.addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'));
}

type Globals = CommonOpts & { format: string; limit: string; select?: string; orderBy?: string };

// `show system -d DB table-list | table NAME | summary`, as SQL over /api/v3/query_sql.
export function systemCommand(show: Command): void {
  const system = withCommon(show.command('system'), true).alias('s').description('look at the system tables of a database');

  withFormat(system.command('table-list'))
    .description('list the system tables of the database with their column names')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals>();
      const db = requireDatabase(opts);
      const tables = await Promise.all((await listSystemTables(opts, db)).map(async (name) => ({ name, columns: await systemColumns(opts, db, name) })));
      await printQuery(opts, db, tableListSql(tables), opts.format);
    });

  withFormat(system.command('table'))
    .description('show the rows of one system table')
    .argument('<system_table>', 'system table name, e.g. processing_engine_triggers')
    .option('-l, --limit <n>', 'maximum number of rows, 0 for no limit', '100')
    .option('-o, --order-by <columns>', 'comma-separated columns to order by')
    .option('-s, --select <columns>', 'comma-separated columns to show')
    .action(async (table: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals>();
      const db = requireDatabase(opts);
      const limit = parseLimit(opts.limit);
      const tables = await listSystemTables(opts, db);
      if (!tables.includes(table)) {
        const valid = `[${tables.map((t) => JSON.stringify(t)).join(', ')}]`;
        throw new Error(`system table '${table}' not found: please use a valid system table name: ${valid}`);
      }
      await printQuery(opts, db, systemTableSql(table, { limit, select: opts.select, orderBy: opts.orderBy }), opts.format);
    });

  withFormat(system.command('summary'))
    .description('show the first rows of every system table')
    .option('-l, --limit <n>', 'maximum number of rows per table, 0 for no limit', '10')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals>();
      const db = requireDatabase(opts);
      const limit = parseLimit(opts.limit);
      for (const table of await listSystemTables(opts, db)) {
        process.stdout.write(`${table} summary:\n`);
        await printQuery(opts, db, systemTableSql(table, { limit }), opts.format);
      }
    });
}
