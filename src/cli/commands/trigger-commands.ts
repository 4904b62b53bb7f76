import { Command } from 'commander';
import { canonicalSpec, parseTriggerSpec } from '../../engine/triggers/trigger-spec.js';
import { parseArgumentList, parseErrorBehavior, type ErrorBehavior } from '../../engine/triggers/trigger-settings.js';
import { errorMessage } from '../../shared/app-error.js';
import { formatDurationNs, parseDurationNs } from '../../shared/duration.js';
import { clientFor, requireDatabase, withCommon, type CommonOpts } from './common.js';

const TRIGGER_PATH = '/api/v3/configure/processing_engine_trigger';

// The flags of `create trigger` as commander hands them over.
export interface CreateTriggerOpts {
  triggerSpec: string;
  path?: string;
  pluginFilename?: string;
  triggerArguments?: string;
  disabled?: boolean;
  runAsynchronous?: boolean;
  errorBehavior?: string;
  timeout?: string;
}

// The JSON body of POST /api/v3/configure/processing_engine_trigger (reference §5.2, plus our `timeout`).
export interface CreateTriggerBody {
  db: string;
  plugin_filename: string;
  trigger_name: string;
  trigger_specification: string;
  trigger_settings: { run_async: boolean; error_behavior: ErrorBehavior; timeout?: string };
  trigger_arguments: Record<string, string> | null;
  disabled: boolean;
}

function parseTimeout(text: string): string {
  let ns: bigint;
  try {
    ns = parseDurationNs(text);
  } catch (err) {
    throw new Error(`invalid --timeout: ${errorMessage(err)}`);
  }
  if (ns <= 0n) throw new Error(`invalid --timeout '${text}': the timeout must be greater than zero`);
  return formatDurationNs(ns);
}

// Validates the flags on the client, as upstream does, so a bad spec never reaches the server.
export function buildCreateTriggerBody(db: string, name: string, opts: CreateTriggerOpts): CreateTriggerBody {
  if (opts.path !== undefined && opts.pluginFilename !== undefined) {
    throw new Error('--path and --plugin-filename cannot be used together (--plugin-filename is the older name of --path)');
  }
  const pluginFilename = opts.path ?? opts.pluginFilename;
  if (pluginFilename === undefined || pluginFilename === '') throw new Error('Either --path or --plugin-filename must be provided');
  const spec = canonicalSpec(parseTriggerSpec(opts.triggerSpec));
  const settings: CreateTriggerBody['trigger_settings'] = {
    run_async: opts.runAsynchronous === true,
    error_behavior: parseErrorBehavior(opts.errorBehavior ?? 'log'),
  };
  if (opts.timeout !== undefined) settings.timeout = parseTimeout(opts.timeout);
  return {
    db,
    plugin_filename: pluginFilename,
    trigger_name: name,
    trigger_specification: spec,
    trigger_settings: settings,
    trigger_arguments: opts.triggerArguments === undefined ? null : parseArgumentList(opts.triggerArguments),
    disabled: opts.disabled === true,
  };
}

// `create trigger` (reference §6.2); `--upload` belongs to issue 6.
export function createTriggerCommand(create: Command): void {
  withCommon(create.command('trigger'), true)
    .description('create a processing engine trigger that runs a plugin on WAL flushes, a schedule or HTTP requests')
    .argument('<trigger_name>', 'name of the new trigger')
    .requiredOption(
      '--trigger-spec <spec>',
      "when the trigger fires: 'table:<TABLE>', 'all_tables', 'cron:<6-field cron>', 'every:<duration>' or 'request:<PATH>'",
    )
    .option('--path <path>', "plugin file or package directory, relative to the server's plugin directory, or gh:<path>")
    .option('--plugin-filename <file>', 'deprecated name of --path')
    .option('--trigger-arguments <k=v,...>', 'comma-separated key=value pairs handed to the plugin as `args`')
    .option('--disabled', 'create the trigger without starting it')
    .option('--run-asynchronous', 'let events of this trigger run concurrently')
    .option('--error-behavior <behavior>', 'what a failing call does: log, retry or disable', 'log')
    .option('--timeout <duration>', 'per-call time limit, e.g. 30s (beyond upstream)')
    .action(async (name: string, opts: CommonOpts & CreateTriggerOpts) => {
      const body = buildCreateTriggerBody(requireDatabase(opts), name, opts);
      await clientFor(opts).request('POST', TRIGGER_PATH, { json: body });
      process.stdout.write(`Trigger ${name} created successfully\n`);
    });
}

// `delete trigger`: an enabled trigger needs --force (reference §4.5).
export function deleteTriggerCommand(del: Command): void {
  withCommon(del.command('trigger'), true)
    .description('delete a processing engine trigger')
    .argument('<trigger_name>', 'name of the trigger')
    .option('--force', 'stop the trigger first if it is running')
    .action(async (name: string, opts: CommonOpts & { force?: boolean }) => {
      const db = requireDatabase(opts);
      await clientFor(opts).request('DELETE', TRIGGER_PATH, { json: { db, trigger_name: name, force: opts.force === true } });
      process.stdout.write(`Trigger ${name} deleted successfully\n`);
    });
}

// `enable trigger` / `disable trigger`: the server takes these from the query string only (reference §5.2).
export function toggleTriggerCommand(group: Command, action: 'enable' | 'disable'): void {
  withCommon(group.command('trigger'), true)
    .description(`${action} a processing engine trigger`)
    .argument('<trigger_name>', 'name of the trigger')
    .action(async (name: string, opts: CommonOpts) => {
      const db = requireDatabase(opts);
      await clientFor(opts).request('POST', `${TRIGGER_PATH}/${action}`, { query: { db, trigger_name: name } });
      process.stdout.write(`Trigger ${name} ${action}d successfully\n`);
    });
}
