import type Router from '@koa/router';
import { badRequest } from '../../shared/app-error.js';
import type { PluginTestResponse, ScheduleTestRequest, WalTestRequest } from '../../engine/dry-run/dry-run-types.js';
import { readJson, stringParam } from '../middleware/body.js';

// What the routes need from the engine.
export interface PluginTestApi {
  testWal(request: WalTestRequest): Promise<PluginTestResponse>;
  testSchedule(request: ScheduleTestRequest): Promise<PluginTestResponse>;
}

interface Deps {
  engine: PluginTestApi;
  maxBodyBytes: number;
}

// POST /api/v3/plugin_test/wal and /schedule: dry runs of a plugin file; plugin failures are 200s
// with `errors` filled, a missing plugin or plugin dir is a 500.
export function registerPluginTestRoutes(router: Router, deps: Deps): void {
  router.post('/api/v3/plugin_test/wal', async (ctx) => {
    const body = await readJson(ctx, deps.maxBodyBytes);
    const inputLp = body.input_lp;
    if (typeof inputLp !== 'string') throw badRequest("missing required parameter 'input_lp'");
    ctx.body = await deps.engine.testWal({
      filename: stringParam(body, 'filename', true),
      database: stringParam(body, 'database', true),
      input_lp: inputLp,
      cache_name: stringParam(body, 'cache_name'),
      input_arguments: inputArguments(body.input_arguments),
    });
  });
  router.post('/api/v3/plugin_test/schedule', async (ctx) => {
    const body = await readJson(ctx, deps.maxBodyBytes);
    ctx.body = await deps.engine.testSchedule({
      filename: stringParam(body, 'filename', true),
      database: stringParam(body, 'database', true),
      schedule: stringParam(body, 'schedule'),
      cache_name: stringParam(body, 'cache_name'),
      input_arguments: inputArguments(body.input_arguments),
    });
  });
}

// `input_arguments`: absent/null → the plugin gets args=None; otherwise a map of strings (numbers and booleans are
// accepted and turned into strings, as the CLI's k=v pairs would be).
function inputArguments(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest("parameter 'input_arguments' must be an object of strings");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else throw badRequest(`input argument '${k}' must be a string, got ${JSON.stringify(v)}`);
  }
  return out;
}
