import type Router from '@koa/router';
import { AppError, badRequest } from '../../shared/app-error.js';
import type { PluginFileEntry } from '../../engine/plugins/plugin-files.js';
import { readJson, stringParam } from '../middleware/body.js';

// What the routes need from the engine's plugin writer (engine/plugins/plugin-files.ts).
export interface PluginFilesApi {
  assertUploadsAllowed(): void;
  writeFile(name: string, content: string): Promise<string>;
  updatePlugin(pluginFilename: string, content: string): Promise<string>;
  replaceDirectory(pluginFilename: string, files: PluginFileEntry[]): Promise<string>;
  readFile(name: string): Promise<{ path: string; content: string }>;
}

interface Deps {
  // With the engine off (no --plugin-dir), assertUploadsAllowed() answers the engine-disabled error.
  files: PluginFilesApi;
  // The plugin_filename of trigger `name` in database `db`, or in any database when `db` is null; null if unknown.
  pluginOfTrigger(db: string | null, name: string): Promise<string | null>;
  maxBodyBytes: number;
}

// Upstream's text for PUT on a trigger name that no database has.
export function triggerPluginNotFoundError(name: string): AppError {
  return new AppError('plugin_not_found', `Plugin not found: ${name}`, { status: 500 });
}

// Plugin uploads, each answering 200 with an empty body. The size limit is the HTTP body limit.
// Admin tokens only, as upstream (src/http/auth/route-policy.ts: every route not listed there is admin-only).
export function registerPluginFileRoutes(router: Router, deps: Deps): void {
  const files = (): PluginFilesApi => {
    deps.files.assertUploadsAllowed();
    return deps.files;
  };
  // The trigger's plugin: the CLI sends `?db=` (as upstream's does), which narrows the lookup; without it any
  // database's trigger of that name is used, as upstream.
  const pluginOf = async (db: string | undefined, name: string): Promise<string> => {
    const plugin = await deps.pluginOfTrigger(db ?? null, name);
    if (plugin === null) throw triggerPluginNotFoundError(name);
    return plugin;
  };

  // {"plugin_name": "<path relative to the plugin dir>", "content": "..."}: create or overwrite; `?db=` is ignored.
  router.post('/api/v3/plugins/files', async (ctx) => {
    const api = files();
    const body = await readJson(ctx, deps.maxBodyBytes);
    await api.writeFile(stringParam(body, 'plugin_name', true), contentParam(body.content, 'content'));
    ctx.status = 200;
    ctx.body = '';
  });

  // Beyond upstream, for the web console's editor: `?plugin_name=<path relative to the plugin dir>` →
  // {"plugin_name", "content"} (a package name gives its __init__.py). Admin only, like the uploads.
  router.get('/api/v3/plugins/files', async (ctx) => {
    const name = stringParam(ctx.query as Record<string, unknown>, 'plugin_name', true);
    const { content } = await deps.files.readFile(name);
    ctx.body = { plugin_name: name, content };
  });

  // {"plugin_name": "<trigger name>", "content": "..."}: the trigger's file, or its package's __init__.py.
  router.put('/api/v3/plugins/files', async (ctx) => {
    const api = files();
    const body = await readJson(ctx, deps.maxBodyBytes);
    const trigger = stringParam(body, 'plugin_name', true);
    const content = contentParam(body.content, 'content');
    await api.updatePlugin(await pluginOf(dbParam(ctx.query), trigger), content);
    ctx.status = 200;
    ctx.body = '';
  });

  // {"plugin_name": "<trigger name>", "files": [{"relative_path", "content"}]}: atomic replacement of the package.
  router.put('/api/v3/plugins/directory', async (ctx) => {
    const api = files();
    const body = await readJson(ctx, deps.maxBodyBytes);
    const trigger = stringParam(body, 'plugin_name', true);
    const entries = fileEntries(body.files);
    await api.replaceDirectory(await pluginOf(dbParam(ctx.query), trigger), entries);
    ctx.status = 200;
    ctx.body = '';
  });
}

function dbParam(query: Record<string, unknown>): string | undefined {
  return stringParam(query, 'db');
}

function contentParam(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    throw badRequest(value === undefined || value === null ? `missing required parameter '${name}'` : `parameter '${name}' must be a string`);
  }
  return value;
}

function fileEntries(value: unknown): PluginFileEntry[] {
  if (!Array.isArray(value)) throw badRequest("parameter 'files' must be an array of {relative_path, content}");
  return value.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw badRequest(`files[${i}] must be an object {relative_path, content}`);
    }
    const entry = item as Record<string, unknown>;
    const relativePath = entry.relative_path;
    if (typeof relativePath !== 'string' || relativePath === '') throw badRequest(`files[${i}].relative_path must be a non-empty string`);
    return { relativePath, content: contentParam(entry.content, `files[${i}].content`) };
  });
}
