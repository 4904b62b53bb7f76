import { expect } from 'chai';
import type { Command } from 'commander';
import { buildCli } from '../../src/cli/cli.js';
import { runCliCaptured, startRecorder } from './cli-harness.js';

// Every command path of the tree, e.g. ['create', 'token'], the root included as [].
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return [prefix, ...cmd.commands.flatMap((sub) => commandPaths(sub, [...prefix, sub.name()]))];
}

// `influxdb3 <path> --help` as a user runs it, the output captured.
async function helpOf(path: string[]): Promise<string> {
  const program = buildCli();
  let out = '';
  const capture = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
    c.commands.forEach(capture);
  };
  capture(program);
  try {
    await program.parseAsync(['node', 'influxdb3', ...path, '--help']);
  } catch (err) {
    if ((err as { code?: string }).code !== 'commander.helpDisplayed') throw err;
  }
  return out;
}

describe('cli: --help never prints a secret from the environment', () => {
  const SECRETS = {
    INFLUXDB3_AUTH_TOKEN: 'apiv3_help_must_not_show_this_token',
    INFLUXDB3_HOST_URL: 'http://127.0.0.1:1',
    INFLUXDB3_DATABASE_NAME: 'db_from_env_x',
  };
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const [k, v] of Object.entries(SECRETS)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('every subcommand\'s help names INFLUXDB3_AUTH_TOKEN, never its value', async () => {
    const paths = commandPaths(buildCli());
    expect(paths.length, 'the command tree').to.be.greaterThan(20);
    let withToken = 0;
    for (const path of paths) {
      const help = await helpOf(path);
      expect(help, `influxdb3 ${path.join(' ')} --help`).to.match(/Usage:/);
      expect(help.includes(SECRETS.INFLUXDB3_AUTH_TOKEN), `influxdb3 ${path.join(' ')} --help shows the token`).to.equal(false);
      if (/--token <token>/.test(help)) {
        withToken++;
        expect(help, `influxdb3 ${path.join(' ')} --help`).to.match(/env:\s+INFLUXDB3_AUTH_TOKEN/);
      }
    }
    expect(withToken, 'commands with --token').to.be.greaterThan(10);
  });

  it('the token is still read from INFLUXDB3_AUTH_TOKEN when the command runs, and --token overrides it', async () => {
    const server = await startRecorder(() => ({ body: [] }));
    try {
      process.env.INFLUXDB3_HOST_URL = server.url;
      const r = await runCliCaptured(['show', 'databases', '--format', 'json']);
      expect(r.code, r.stderr).to.equal(0);
      const r2 = await runCliCaptured(['show', 'databases', '--format', 'json', '--token', 'apiv3_flag']);
      expect(r2.code, r2.stderr).to.equal(0);
      expect(server.requests.map((q) => q.headers.authorization)).to.deep.equal([`Bearer ${SECRETS.INFLUXDB3_AUTH_TOKEN}`, 'Bearer apiv3_flag']);
    } finally {
      process.env.INFLUXDB3_HOST_URL = SECRETS.INFLUXDB3_HOST_URL;
      await server.close();
    }
  });
});
