import { Command, Option } from 'commander';
import { packageSpecProblem } from '../../engine/environment/package-installer.js';
import type { Client } from '../client.js';
import { postWithProgress } from '../progress-stream.js';
import { clientFor, withCommon, type CommonOpts } from './common.js';

const PACKAGES_PATH = '/api/v3/configure/plugin_environment/install_packages';
const REQUIREMENTS_PATH = '/api/v3/configure/plugin_environment/install_requirements';

interface InstallOpts extends CommonOpts {
  requirements?: string;
  pluginDir?: string;
  virtualEnvLocation?: string;
  packageManager?: string;
  pluginRepo?: string;
  restrictPluginTriggersTo?: string;
  quiet?: boolean;
}

// Upstream's `install package` takes the server's Processing Engine flags too (and ignores them: pip runs on the
// server, with the server's settings). Accepted so upstream command lines work; a note says they change nothing.
const ENGINE_FLAGS: Array<[keyof InstallOpts, Option]> = [
  ['pluginDir', new Option('--plugin-dir <dir>', 'accepted as upstream; the server\'s plugin directory applies')],
  ['virtualEnvLocation', new Option('--virtual-env-location <dir>', 'accepted as upstream; the server\'s venv applies')],
  ['packageManager', new Option('--package-manager <manager>', 'accepted as upstream; the server\'s package manager applies').choices(['discover', 'pip', 'uv', 'disabled'])],
  ['pluginRepo', new Option('--plugin-repo <url>', 'accepted as upstream; the server\'s plugin repository applies')],
  ['restrictPluginTriggersTo', new Option('--restrict-plugin-triggers-to <types>', 'accepted as upstream; the server\'s restriction applies')],
];

function noteIgnored(opts: InstallOpts): void {
  const given = ENGINE_FLAGS.filter(([key]) => opts[key] !== undefined).map(([, o]) => o.long);
  if (given.length > 0) {
    process.stderr.write(`note: ${given.join(', ')} configure the server (influxdb3 serve), not this command: ignored here, as upstream does\n`);
  }
}

// Checks the package names on the client too, so `-e`/`--index-url`-like values and typos never reach the server.
export function checkPackages(packages: string[]): void {
  for (const p of packages) {
    const problem = packageSpecProblem(p);
    if (problem) throw new Error(problem);
  }
}

// pip's output goes to stderr line by line as the server runs it; --quiet asks for the plain response instead.
async function runInstall(client: Client, path: string, json: unknown, quiet: boolean | undefined): Promise<void> {
  if (quiet) await client.request('POST', path, { json });
  else await postWithProgress(client, path, json, (line) => process.stderr.write(`  ${line}\n`));
}

// `influxdb3 install package [-r PATH] [PKG ...]`: pip runs on the server, in the plugin venv.
// Upstream prints nothing on success; we confirm what was installed. With both -r and packages, both are installed.
export function installCommands(install: Command): void {
  const pkg = withCommon(new Command('package'), false);
  for (const [, option] of ENGINE_FLAGS) pkg.addOption(option);
  install.addCommand(
    pkg
      .description('install Python packages into the server\'s plugin environment')
      .argument('[packages...]', 'packages to install, e.g. pandas==2.2.0 requests')
      .option('-r, --requirements <path>', 'requirements.txt on the SERVER (absolute, or relative to its plugin directory)')
      .option('-q, --quiet', "do not print pip's output on stderr")
      .action(async (packages: string[], opts: InstallOpts) => {
        if (packages.length === 0 && opts.requirements === undefined) {
          throw new Error('nothing to install: give package names or -r/--requirements <path>');
        }
        checkPackages(packages);
        noteIgnored(opts);
        const client = clientFor(opts);
        if (opts.requirements !== undefined) {
          if (opts.requirements === '') throw new Error('-r/--requirements needs a path');
          await runInstall(client, REQUIREMENTS_PATH, { requirements_location: opts.requirements }, opts.quiet);
          process.stdout.write(`Requirements from ${opts.requirements} installed successfully\n`);
        }
        if (packages.length > 0) {
          await runInstall(client, PACKAGES_PATH, { packages }, opts.quiet);
          process.stdout.write(`Packages installed successfully: ${packages.join(', ')}\n`);
        }
      }),
  );
}
