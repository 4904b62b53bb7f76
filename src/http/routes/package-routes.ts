import type Router from '@koa/router';
import { badRequest } from '../../shared/app-error.js';
import { validatePackageSpecs, type PackageInstallerApi } from '../../engine/environment/package-installer.js';
import { readJson } from '../middleware/body.js';

interface Deps {
  installer: PackageInstallerApi;
  maxBodyBytes: number;
}

const MAX_PACKAGES = 256;
const MAX_PATH_LENGTH = 4096;

// POST /api/v3/configure/plugin_environment/install_packages and /install_requirements: 200 with an
// empty body as upstream, but a failed pip run answers non-2xx with its exit code and output tail.
export function registerPackageRoutes(router: Router, deps: Deps): void {
  router.post('/api/v3/configure/plugin_environment/install_packages', async (ctx) => {
    const { installer } = deps;
    installer.assertAvailable();
    const packages = parsePackages((await readJson(ctx, deps.maxBodyBytes)).packages);
    await installer.installPackages(packages);
    ctx.status = 200;
    ctx.body = '';
  });
  router.post('/api/v3/configure/plugin_environment/install_requirements', async (ctx) => {
    const { installer } = deps;
    installer.assertAvailable();
    const location = parseRequirementsLocation((await readJson(ctx, deps.maxBodyBytes)).requirements_location);
    await installer.installRequirements(location);
    ctx.status = 200;
    ctx.body = '';
  });
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
