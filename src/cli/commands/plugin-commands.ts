import { Command, Option } from 'commander';
import { queryCommand } from './data-commands.js';
import { clientFor, withCommon, type CommonOpts } from './common.js';

// Upstream runs `SELECT * FROM system.plugin_files` (one row per trigger file); we print our richer system.plugins
// (kind, source, version, users, last load error) — plugin_files stays queryable with `influxdb3 query -d _internal`.
export const SHOW_PLUGINS_SQL = 'SELECT * FROM system.plugins ORDER BY plugin_name';

// The database that holds the plugin tables.
export const PLUGINS_DATABASE = '_internal';

// `influxdb3 show plugins [--format pretty|json|jsonl|csv]`, printed exactly as `influxdb3 query` prints.
export function pluginsCommand(show: Command): void {
  withCommon(show.command('plugins'), false)
    .description('list the plugins of the plugin directory and the repository, their versions and the triggers using them')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json', 'jsonl', 'csv']).default('pretty'))
    .action(async (opts: CommonOpts & { format: string }) => {
      const argv = ['--host', opts.host, '--database', PLUGINS_DATABASE, '--format', opts.format];
      if (opts.token !== undefined) argv.push('--token', opts.token);
      await queryCommand().parseAsync([...argv, '--', SHOW_PLUGINS_SQL], { from: 'user' });
    });
}

// The server re-fetches every gh: plugin in use; those triggers restart on the new copy (beyond upstream).
export const REFRESH_PLUGINS_PATH = '/api/v3/configure/plugin_repository/refresh';

interface Refreshed {
  database: string;
  trigger: string;
  plugin: string;
  version: string | null;
  error: string | null;
}

// `influxdb3 refresh plugins`: one line per trigger using a remote plugin; exit 1 when one could not be fetched.
export function refreshPluginsCommand(refresh: Command): void {
  withCommon(refresh.command('plugins'), false)
    .description('re-fetch the gh: plugins in use from the plugin repository and restart their triggers on them')
    .action(async (opts: CommonOpts) => {
      const res = await clientFor(opts).request('POST', REFRESH_PLUGINS_PATH, { json: {} });
      const { refreshed } = (await res.json()) as { refreshed: Refreshed[] };
      if (refreshed.length === 0) process.stdout.write('No triggers use remote (gh:) plugins\n');
      for (const r of refreshed) {
        const where = `${r.database}/${r.trigger} (${r.plugin})`;
        process.stdout.write(r.version && !r.error ? `Refreshed ${where}: version ${r.version}\n` : `Not refreshed ${where}: ${r.error}\n`);
      }
      if (refreshed.some((r) => r.version === null)) process.exitCode = 1;
    });
}
