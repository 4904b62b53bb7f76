import { Command } from 'commander';
import { packageVersion } from '../shared/version.js';
import { serveCommand } from './commands/serve-command.js';
import { queryCommand, writeCommand } from './commands/data-commands.js';
import { createCommands, deleteCommands, showCommands } from './commands/database-commands.js';
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
    .description('influxdb3-engine: an InfluxDB 3 Core compatible server with a Python Processing Engine')
    .version(packageVersion());
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
  updateTriggerCommand(program.command('update').description('update a resource'));
  refreshPluginsCommand(program.command('refresh').description('refresh remote plugins'));
  testCommands(program.command('test').description('dry-run a plugin'));
  installCommands(program.command('install').description('install Python packages for plugins'));
  return program;
}

// Runs the CLI; errors print `Error: <message>` and exit 1.
export async function runCli(argv: string[]): Promise<void> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.stderr.write(`Error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
