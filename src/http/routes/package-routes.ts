import type Router from '@koa/router';
import type { Context } from 'koa';
import { badRequest } from '../../shared/app-error.js';
import { validatePackageSpecs, type InstallProgress, type InstallResult, type PackageInstallerApi } from '../../engine/environment/package-installer.js';
import type { Logger } from '../../shared/logger.js';
import { readJson } from '../middleware/body.js';
import { respondWithProgress, wantsProgressStream } from '../progress-stream.js';

interface Deps {
  installer: PackageInstallerApi;
  maxBodyBytes: number;
  logger: Logger;
}

const MAX_PACKAGES = 256;
const MAX_PATH_LENGTH = 4096;

// POST /api/v3/configure/plugin_environment/install_packages and /install_requirements: 200 with an
// empty body as upstream, but a failed pip run answers non-2xx with its exit code and output tail.
// With `Accept: application/x-ndjson`, pip's output streams as it comes (docs/progress-stream.md).
export function registerPackageRoutes(router: Router, deps: Deps): void {
  router.post('/api/v3/configure/plugin_environment/install_packages', async (ctx) => {
    const { installer } = deps;
    installer.assertAvailable();
    const packages = parsePackages((await readJson(ctx, deps.maxBodyBytes)).packages);
    await answer(ctx, deps, (progress) => installer.installPackages(packages, progress));
  });
  router.post('/api/v3/configure/plugin_environment/install_requirements', async (ctx) => {
    const { installer } = deps;
    installer.assertAvailable();
    const location = parseRequirementsLocation((await readJson(ctx, deps.maxBodyBytes)).requirements_location);
    await answer(ctx, deps, (progress) => installer.installRequirements(location, progress));
  });
}

async function answer(ctx: Context, deps: Deps, install: (progress?: InstallProgress) => Promise<InstallResult>): Promise<void> {
  if (wantsProgressStream(ctx)) {
    await respondWithProgress(ctx, deps.logger, async (onLine) => resultFields(await install({ onLine })));
    return;
  }
  await install();
  ctx.status = 200;
  ctx.body = '';
}

// The stream's last line for a successful run.
function resultFields(r: InstallResult): Record<string, unknown> {
  return { installed: r.installed, exit_code: r.exitCode, elapsed_ms: r.elapsedMs };
}

// `packages`: a non-empty array of plain requirement strings; a 400 names the first bad value.
export function parsePackages(value: unknown): string[] {
  if (value === undefined || value === null) throw badRequest("missing required parameter 'packages'");
  if (!Array.isArray(value)) throw badRequest(`parameter 'packages' must be an array of strings, got ${JSON.stringify(value)}`);
  if (value.length > MAX_PACKAGES) throw badRequest(`too many packages: ${value.length} (at most ${MAX_PACKAGES} per request)`);
  for (const item of value) {
    if (typeof item !== 'string') throw badRequest(`parameter 'packages' must be an array of strings, got item ${JSON.stringify(item)}`);
  }
  validatePackageSpecs(value as string[]);
  return value as string[];
}

// `requirements_location`: a path on the server (absolute, or relative to the plugin directory).
export function parseRequirementsLocation(value: unknown): string {
  if (value === undefined || value === null || value === '') throw badRequest("missing required parameter 'requirements_location'");
  if (typeof value !== 'string') throw badRequest(`parameter 'requirements_location' must be a string, got ${JSON.stringify(value)}`);
  if (value.length > MAX_PATH_LENGTH || value.includes('\0') || /[\r\n]/.test(value)) {
    throw badRequest(`invalid requirements_location ${JSON.stringify(value.slice(0, 200))}: not a file path`);
  }
  if (value.startsWith('-')) throw badRequest(`invalid requirements_location ${JSON.stringify(value)}: a path may not start with '-'`);
  return value;
}
