import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { writeAdminTokenFile } from '../../auth/admin-token-file.js';
import { parsePermission, permissionToJson } from '../../auth/permissions.js';
import { generateToken } from '../../auth/token-secret.js';
import { OPERATOR_TOKEN_NAME } from '../../auth/token-store.js';
import { parseDurationNs } from '../../shared/duration.js';
import { ServerError } from '../client.js';
import { queryCommand } from './data-commands.js';
import { clientFor, withCommon, type CommonOpts } from './common.js';

// `show tokens` runs this against `_internal`, as upstream (no token strings, no hashes).
export const SHOW_TOKENS_SQL = 'SELECT * FROM system.tokens ORDER BY token_id';
const INTERNAL = '_internal';

interface CreateTokenOpts extends CommonOpts {
  admin?: boolean;
  permission: string[];
  name?: string;
  expiry?: string;
  regenerate?: boolean;
  format?: 'json' | 'text';
  offline?: boolean;
  outputFile?: string;
  yes?: boolean;
}

interface CreatedResponse {
  id: number;
  name: string;
  token: string;
  hash: string;
  created_at: string;
  expiry: string | null;
}

// One line of stdin (upstream's confirmation prompt reads a line whether or not stdin is a terminal).
async function readLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

async function confirmed(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  process.stdout.write(`${question}\n`);
  return (await readLine()).trim() === 'yes';
}

function expirySecs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const secs = Number(parseDurationNs(text) / 1_000_000_000n);
  if (secs <= 0) throw new Error(`invalid --expiry '${text}': expected a duration of at least 1s, e.g. 30d or 1y`);
  return secs;
}

// Upstream's text output, or the response JSON with --format json.
function printCreated(res: CreatedResponse, format: 'json' | 'text' | undefined): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `\nNew token created successfully!\n\n` +
      `Token: ${res.token}\n` +
      `HTTP Requests Header: Authorization: Bearer ${res.token}\n\n` +
      `IMPORTANT: Store this token securely, as it will not be shown again.\n\n`,
  );
}

// `create token --admin [--name N] [--expiry D] [--regenerate] [--offline --output-file F]` and
// `create token --permission db:a,b:read,write [--permission ..] --name N [--expiry D]`.
export function createTokenCommand(create: Command): void {
  withCommon(create.command('token'), false)
    .description('create an admin token (--admin) or a database/system token (--permission); the token is shown once')
    .option('--admin', 'create the operator token, or a named admin token with --name')
    .option('--permission <permission>', 'RESOURCE_TYPE:RESOURCE_NAMES:ACTIONS, e.g. db:db1,db2:read,write or system:health,ping:read (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--name <name>', 'token name (required with --permission; with --admin creates a named admin token)')
    .option('--expiry <duration>', 'the token expires after this long, e.g. 30d or 1y (default: never)')
    .option('--regenerate', 'regenerate the operator token (needs --token with the current operator token)')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']))
    .option('--offline', 'with --admin: write an admin token file for --admin-token-file instead of calling the server')
    .option('--output-file <path>', 'with --offline: where to write the token file (mode 0600)')
    .option('-y, --yes', 'do not ask for confirmation (--regenerate)')
    .action(async (opts: CreateTokenOpts) => {
      if (Boolean(opts.admin) === (opts.permission.length > 0)) throw new Error('give exactly one of --admin or --permission (see influxdb3 create token --help)');
      if (opts.offline) return offline(opts);
      const client = clientFor(opts);
      let res: Response;
      if (opts.permission.length > 0) {
        if (!opts.name) throw new Error('--name is required with --permission');
        if (opts.regenerate) throw new Error('--regenerate applies to the operator token only (use --admin)');
        const permissions = opts.permission.map((p) => permissionToJson(parsePermission(p)));
        res = await client.request('POST', '/api/v3/enterprise/configure/token', {
          json: { token_name: opts.name, permissions, expiry_secs: expirySecs(opts.expiry) },
        });
      } else if (opts.regenerate) {
        if (opts.name) throw new Error('--regenerate cannot be used with --name, --regenerate only applies for operator token');
        if (!(await confirmed("Are you sure you want to regenerate admin token? Enter 'yes' to confirm", opts.yes))) {
          throw new Error('Cannot regenerate token without confirmation: answer yes, or re-run with -y/--yes to skip the prompt');
        }
        res = await client.request('POST', '/api/v3/configure/token/admin/regenerate');
      } else if (opts.name) {
        res = await client.request('POST', '/api/v3/configure/token/named_admin', { json: { token_name: opts.name, expiry_secs: expirySecs(opts.expiry) } });
      } else {
        res = await client.request('POST', '/api/v3/configure/token/admin');
      }
      printCreated((await res.json()) as CreatedResponse, opts.format);
    });
}

async function offline(opts: CreateTokenOpts): Promise<void> {
  if (!opts.admin) throw new Error('--offline applies to --admin tokens only');
  if (!opts.outputFile) throw new Error('--offline needs --output-file <path>');
  const secs = expirySecs(opts.expiry);
  const file = { token: generateToken(), name: opts.name ?? OPERATOR_TOKEN_NAME, expiryMillis: secs === undefined ? null : Date.now() + secs * 1000 };
  try {
    await writeAdminTokenFile(opts.outputFile, file);
  } catch (err) {
    throw new Error(`cannot write ${opts.outputFile}: ${(err as Error).message}`);
  }
  process.stdout.write(`Admin token file written to ${opts.outputFile}; start the server with --admin-token-file ${opts.outputFile}\n`);
}

// `show tokens [--format pretty|json|jsonl|csv]`: system.tokens of `_internal`.
export function showTokensCommand(show: Command): void {
  withCommon(show.command('tokens'), false)
    .description('list tokens (names, permissions, expiry; never the token strings)')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json', 'jsonl', 'csv']).default('pretty'))
    .action(async (opts: CommonOpts & { format: string }) => {
      const argv = ['--host', opts.host, '--database', INTERNAL, '--format', opts.format];
      if (opts.token !== undefined) argv.push('--token', opts.token);
      await queryCommand().parseAsync([...argv, '--', SHOW_TOKENS_SQL], { from: 'user' });
    });
}

// `delete token --token-name NAME [-y]`.
export function deleteTokenCommand(del: Command): void {
  withCommon(del.command('token'), false)
    .description('delete a token (the operator token can only be regenerated)')
    .requiredOption('--token-name <name>', 'name of the token to delete')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (opts: CommonOpts & { tokenName: string; yes?: boolean }) => {
      const name = opts.tokenName;
      if (!(await confirmed(`Are you sure you want to delete ${JSON.stringify(name)}? Enter 'yes' to confirm`, opts.yes))) {
        throw new Error('Cannot delete token without confirmation: answer yes, or re-run with -y/--yes to skip the prompt');
      }
      try {
        await clientFor(opts).request('DELETE', '/api/v3/configure/token', { query: { token_name: name } });
      } catch (err) {
        if (err instanceof ServerError && err.status === 405 && err.message === 'cannot delete operator token') {
          throw new Error('Cannot delete operator token, to regenerate an operator token, use `influxdb3 create token --admin --regenerate --token $TOKEN`');
        }
        throw err;
      }
      process.stdout.write(`Token ${JSON.stringify(name)} deleted successfully\n`);
    });
}
