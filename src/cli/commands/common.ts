import { Option, type Command } from 'commander';
import { Client } from '../client.js';

export interface CommonOpts {
  host: string;
  token?: string;
  database?: string;
  tlsCa?: string;
  tlsNoVerify?: boolean;
}

// Adds -H/--host, --token and (optionally) -d/--database with their environment variables. Commander reads the
// variables when it parses, and `--help` names them, never their values (a token must not reach a terminal or a log).
export function withCommon(cmd: Command, database: boolean): Command {
  cmd
    .addOption(new Option('-H, --host <url>', 'server URL').env('INFLUXDB3_HOST_URL').default('http://127.0.0.1:8181'))
    .addOption(new Option('--token <token>', 'authentication token').env('INFLUXDB3_AUTH_TOKEN'))
    .addOption(new Option('--tls-ca <file>', 'PEM file of the CA that signed the server certificate (https:// hosts)').env('INFLUXDB3_TLS_CA'))
    .addOption(new Option('--tls-no-verify', 'do not verify the server certificate (testing only) [env: INFLUXDB3_TLS_NO_VERIFY=true]'));
  if (database) cmd.addOption(new Option('-d, --database <name>', 'database name').env('INFLUXDB3_DATABASE_NAME'));
  return cmd;
}

export function clientFor(opts: CommonOpts): Client {
  return new Client({ host: opts.host, token: opts.token, tlsCa: opts.tlsCa, tlsNoVerify: opts.tlsNoVerify === true || noVerify(process.env.INFLUXDB3_TLS_NO_VERIFY) });
}

export function requireDatabase(opts: CommonOpts): string {
  if (!opts.database) throw new Error('a database is required: pass -d/--database <name> or set INFLUXDB3_DATABASE_NAME');
  return opts.database;
}

// Read here, not by commander (which sets a flag without a value from any value of its variable):
// INFLUXDB3_TLS_NO_VERIFY=false must not turn verification off.
function noVerify(value: string | undefined): boolean {
  return value !== undefined && ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase());
}
