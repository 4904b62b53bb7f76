import { Command, Option } from 'commander';
import { queryCommand } from './data-commands.js';
import { withCommon, type CommonOpts } from './common.js';

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
