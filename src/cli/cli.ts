import { Command } from 'commander';
import { versionString } from '../shared/build-info.js';
import { serveCommand } from './commands/serve-command.js';
import { queryCommand } from './commands/data-commands.js';
import { writeCommand } from './commands/write-command.js';
import { createCommands, deleteCommands, showCommands, updateDatabaseCommand } from './commands/database-commands.js';
import { quickStartArgs } from './commands/quick-start.js';
import { testCommands } from './commands/test-commands.js';
import { createTriggerCommand, deleteTriggerCommand, toggleTriggerCommand, updateTriggerCommand } from './commands/trigger-commands.js';
import { systemCommand } from './commands/system-commands.js';
import { createCacheCommands, deleteCacheCommands } from './commands/cache-commands.js';
import { installCommands } from './commands/install-commands.js';
import { pluginsCommand, refreshPluginsCommand } from './commands/plugin-commands.js';
import { createTokenCommand, deleteTokenCommand, showTokensCommand } from './commands/token-commands.js';

// Builds the `influxdb3` command tree.
export function buildCli(): Command {
  const program = new Command('influxdb3')
    .description('influxdb3-engine: an InfluxDB 3 Core compatible server with a Python Processing Engine\n\n' +
      'With no command, runs a quick-start server: `serve` with its data in ~/.influxdb and the node id <hostname>-node.')
    .version(`influxdb3 ${versionString()}`, '-V, --version', 'print the version and the git revision it was built from');
  program.addCommand(serveCommand());
  program.addCommand(writeCommand());
  program.addCommand(queryCommand());
  const create = program.command('create').description('create a resource');
  createCommands(create);
  createTriggerCommand(create);
  createCacheCommands(create);
  createTokenCommand(create);
  const del = program.command('delete').description('delete a resource');
  deleteCommands(del);
  deleteTriggerCommand(del);
  deleteCacheCommands(del);
  deleteTokenCommand(del);
  const show = program.command('show').description('list resources');
  showCommands(show);
  systemCommand(show);
  pluginsCommand(show);
  showTokensCommand(show);
  toggleTriggerCommand(program.command('enable').description('enable a resource'), 'enable');
  toggleTriggerCommand(program.command('disable').description('disable a resource'), 'disable');
  const update = program.command('update').description('update a resource');
  updateDatabaseCommand(update);
  updateTriggerCommand(update);
  refreshPluginsCommand(program.command('refresh').description('refresh remote plugins'));
  testCommands(program.command('test').description('dry-run a plugin'));
  installCommands(program.command('install').description('install Python packages for plugins'));
  return program;
}

// Runs the CLI; errors print `Error: <message>` and exit 1.
export async function runCli(argv: string[]): Promise<void> {
  const program = buildCli();
  try {
    if (argv.length <= 2) {
      // No command at all: upstream's quick start.
      const quick = quickStartArgs(process.env);
      if (quick.notice) process.stderr.write(`${quick.notice}\n`);
      await program.parseAsync(quick.args, { from: 'user' });
      return;
    }
    await program.parseAsync(argv);
  } catch (err) {
    process.stderr.write(`Error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
