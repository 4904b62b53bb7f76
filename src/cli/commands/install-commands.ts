import { Command } from 'commander';
import { packageSpecProblem } from '../../engine/environment/package-installer.js';
import { clientFor, withCommon, type CommonOpts } from './common.js';

const PACKAGES_PATH = '/api/v3/configure/plugin_environment/install_packages';
const REQUIREMENTS_PATH = '/api/v3/configure/plugin_environment/install_requirements';

interface InstallOpts extends CommonOpts {
  requirements?: string;
}

// Checks the package names on the client too, so `-e`/`--index-url`-like values and typos never reach the server.
export function checkPackages(packages: string[]): void {
  for (const p of packages) {
    const problem = packageSpecProblem(p);
    if (problem) throw new Error(problem);
  }
}

// `influxdb3 install package [-r PATH] [PKG ...]`: pip runs on the server, in the plugin venv.
// Upstream prints nothing on success; we confirm what was installed. With both -r and packages, both are installed.
export function installCommands(install: Command): void {
  install.addCommand(
    withCommon(new Command('package'), false)
      .description('install Python packages into the server\'s plugin environment')
      .argument('[packages...]', 'packages to install, e.g. pandas==2.2.0 requests')
      .option('-r, --requirements <path>', 'requirements.txt on the SERVER (absolute, or relative to its plugin directory)')
      .action(async (packages: string[], opts: InstallOpts) => {
        if (packages.length === 0 && opts.requirements === undefined) {
          throw new Error('nothing to install: give package names or -r/--requirements <path>');
        }
        checkPackages(packages);
        const client = clientFor(opts);
        if (opts.requirements !== undefined) {
          if (opts.requirements === '') throw new Error('-r/--requirements needs a path');
          await client.request('POST', REQUIREMENTS_PATH, { json: { requirements_location: opts.requirements } });
          process.stdout.write(`Requirements from ${opts.requirements} installed successfully\n`);
        }
        if (packages.length > 0) {
          await client.request('POST', PACKAGES_PATH, { json: { packages } });
          process.stdout.write(`Packages installed successfully: ${packages.join(', ')}\n`);
        }
      }),
  );
}
