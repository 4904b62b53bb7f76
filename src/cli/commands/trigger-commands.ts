import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Command } from 'commander';
import { canonicalSpec, parseTriggerSpec } from '../../engine/triggers/trigger-spec.js';
import { parseNodeSpec } from '../../engine/triggers/node-spec.js';
import { parseArgumentList, parseCpuLimit, parseErrorBehavior, parseMaxProcesses, parseMemoryLimit, type ErrorBehavior } from '../../engine/triggers/trigger-settings.js';
import { errorMessage } from '../../shared/app-error.js';
import { formatDurationNs, parseDurationNs } from '../../shared/duration.js';
import type { Client } from '../client.js';
import { clientFor, requireDatabase, withCommon, type CommonOpts } from './common.js';

const TRIGGER_PATH = '/api/v3/configure/processing_engine_trigger';
const FILES_PATH = '/api/v3/plugins/files';
const DIRECTORY_PATH = '/api/v3/plugins/directory';

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
  memoryLimit?: string;
  cpuLimit?: string;
  maxProcesses?: string;
  nodeSpec?: string;
  upload?: boolean;
}

// The JSON body of POST /api/v3/configure/processing_engine_trigger (plus our `timeout`).
export interface CreateTriggerBody {
  db: string;
  plugin_filename: string;
  trigger_name: string;
  trigger_specification: string;
  trigger_settings: {
    run_async: boolean;
    error_behavior: ErrorBehavior;
    timeout?: string;
    memory_limit?: number;
    cpu_limit?: number;
    max_processes?: number;
  };
  trigger_arguments: Record<string, string> | null;
  disabled: boolean;
  // InfluxDB 3 Enterprise's node pinning: sent only when --node-spec is given.
  node_spec?: 'all' | { nodes: string[] };
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
  // Validated here with the server's rules, so the error names the flag's value before anything is sent.
  const limit = <T>(flag: string, parse: (v: unknown) => T | null, value: string | undefined): T | undefined => {
    if (value === undefined) return undefined;
    try {
      return parse(value) ?? undefined;
    } catch (err) {
      throw new Error(`invalid --${flag}: ${errorMessage(err)}`);
    }
  };
  const memory = limit('memory-limit', parseMemoryLimit, opts.memoryLimit);
  const cpu = limit('cpu-limit', parseCpuLimit, opts.cpuLimit);
  const processes = limit('max-processes', parseMaxProcesses, opts.maxProcesses);
  if (memory !== undefined) settings.memory_limit = memory;
  if (cpu !== undefined) settings.cpu_limit = cpu;
  if (processes !== undefined) settings.max_processes = processes;
  let nodeSpec: CreateTriggerBody['node_spec'];
  if (opts.nodeSpec !== undefined) {
    try {
      nodeSpec = parseNodeSpec(opts.nodeSpec);
    } catch (err) {
      throw new Error(`invalid --node-spec: ${errorMessage(err)}`);
    }
  }
  return {
    db,
    plugin_filename: pluginFilename,
    trigger_name: name,
    trigger_specification: spec,
    trigger_settings: settings,
    trigger_arguments: opts.triggerArguments === undefined ? null : parseArgumentList(opts.triggerArguments),
    disabled: opts.disabled === true,
    ...(nodeSpec === undefined ? {} : { node_spec: nodeSpec }),
  };
}

// `create trigger`; with --upload the local file or package is sent to the server first.
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
    .option('--memory-limit <bytes>', 'memory limit of this trigger\'s runner, e.g. 256MB (beyond upstream; default --plugin-memory-limit)')
    .option('--cpu-limit <cores>', 'CPU share of this trigger\'s runner in cores, e.g. 0.5 (beyond upstream; needs a cgroup)')
    .option('--max-processes <n>', 'most processes and threads this trigger\'s runner may have (beyond upstream)')
    .option('-n, --node-spec <spec>', 'the nodes that run the trigger: all (default) or nodes:<node-id>[,<node-id>...] (their --node-id)')
    .option('--upload', "upload the local file or package directory named by --path into the server's plugin directory first")
    .action(async (name: string, opts: CommonOpts & CreateTriggerOpts) => {
      const db = requireDatabase(opts);
      // Built first so a bad spec or flag fails before anything is uploaded.
      const body = buildCreateTriggerBody(db, name, opts);
      const client = clientFor(opts);
      if (opts.upload) body.plugin_filename = await uploadPlugin(client, db, body.plugin_filename);
      await client.request('POST', TRIGGER_PATH, { json: body });
      process.stdout.write(`Trigger ${name} created successfully\n`);
    });
}

// `update trigger`: a file replaces the trigger's plugin file (or its package's __init__.py), a
// directory replaces the whole package atomically. The server finds the plugin from the trigger name and `db`.
export function updateTriggerCommand(update: Command): void {
  withCommon(update.command('trigger'), true)
    .description('replace the plugin code a trigger runs with a local file or package directory')
    .requiredOption('-t, --trigger-name <name>', 'name of the trigger')
    .requiredOption('-p, --path <path>', 'local plugin file, or package directory holding __init__.py')
    .action(async (opts: CommonOpts & { triggerName: string; path: string }) => {
      const db = requireDatabase(opts);
      const client = clientFor(opts);
      const info = await stat(opts.path).catch(() => null);
      if (!info) throw new Error(`Path does not exist: ${opts.path}`);
      if (info.isDirectory()) {
        const files = await collectPackageFiles(opts.path);
        await client.request('PUT', DIRECTORY_PATH, {
          query: { db },
          json: { plugin_name: opts.triggerName, files: files.map((f) => ({ relative_path: f.relativePath, content: f.content })) },
        });
      } else if (info.isFile()) {
        const content = await readFile(opts.path, 'utf8');
        await client.request('PUT', FILES_PATH, { query: { db }, json: { plugin_name: opts.triggerName, content } });
      } else {
        throw new Error(`Invalid path: ${opts.path}`);
      }
      process.stdout.write(`Trigger '${opts.triggerName}' updated successfully\n`);
    });
}

// `--upload`: a file goes up under its basename (directory parts, `..` included, are dropped); a package directory
// goes up file by file as `<dirname>/<rel>`. Returns the name the trigger then uses as plugin_filename.
export async function uploadPlugin(client: Client, db: string, localPath: string): Promise<string> {
  const info = await stat(localPath).catch(() => null);
  if (!info) throw new Error(`File not found: ${localPath}`);
  if (info.isFile()) {
    const name = basename(localPath);
    await client.request('POST', FILES_PATH, { query: { db }, json: { plugin_name: name, content: await readFile(localPath, 'utf8') } });
    return name;
  }
  if (!info.isDirectory()) throw new Error(`Invalid path: ${localPath}`);
  const name = basename(resolve(localPath));
  for (const file of await collectPackageFiles(localPath)) {
    await client.request('POST', FILES_PATH, { query: { db }, json: { plugin_name: `${name}/${file.relativePath}`, content: file.content } });
  }
  return name;
}

// Every *.py of a package directory (symlinks not followed, __pycache__ skipped), with `/`-separated paths relative
// to it, sorted; the directory must hold __init__.py.
export async function collectPackageFiles(dir: string): Promise<Array<{ relativePath: string; content: string }>> {
  const init = await stat(join(dir, '__init__.py')).catch(() => null);
  if (!init?.isFile()) throw new Error(`Multi-file plugin directory must contain __init__.py: ${dir}`);
  const out: Array<{ relativePath: string; content: string }> = [];
  const walk = async (sub: string): Promise<void> => {
    const entries = await readdir(join(dir, sub), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') await walk(rel);
      } else if (entry.isFile() && entry.name.endsWith('.py')) {
        out.push({ relativePath: rel, content: await readFile(join(dir, rel), 'utf8') });
      }
    }
  };
  await walk('');
  return out;
}

// `delete trigger`: an enabled trigger needs --force.
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

// `enable trigger` / `disable trigger`: the server takes these from the query string only.
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
