import type Router from '@koa/router';
import type { Context } from 'koa';
import { badRequest, errorMessage } from '../../shared/app-error.js';
import { parseDurationNs } from '../../shared/duration.js';
import type { RequestInput, RequestOutput } from '../../engine/triggers/trigger-event.js';
import type { CreateTriggerRequest } from '../../engine/triggers/trigger-manager.js';
import { parseNodeSpec } from '../../engine/triggers/node-spec.js';
import { parseTriggerArguments, parseTriggerLimits, parseTriggerSettings } from '../../engine/triggers/trigger-settings.js';
import { boolParam, readBody, readJson, readParams, stringParam } from '../middleware/body.js';

// What the routes need from the engine.
export interface TriggerApi {
  createTrigger(request: CreateTriggerRequest): Promise<unknown>;
  deleteTrigger(database: string, name: string, force: boolean): Promise<void>;
  enableTrigger(database: string, name: string): Promise<void>;
  disableTrigger(database: string, name: string): Promise<void>;
  runRequestTrigger(path: string, input: RequestInput): Promise<RequestOutput>;
  refreshRemotePlugins(): Promise<unknown[]>;
}

interface Deps {
  engine: TriggerApi;
  maxBodyBytes: number;
}

// Trigger management and `GET|POST /api/v3/engine/<path>` for request triggers.
export function registerTriggerRoutes(router: Router, deps: Deps): void {
  const { engine } = deps;
  router.post('/api/v3/configure/processing_engine_trigger', async (ctx) => {
    const body = await readJson(ctx, deps.maxBodyBytes);
    await engine.createTrigger(createRequest(body));
    ctx.status = 200;
    ctx.body = '';
  });
  router.delete('/api/v3/configure/processing_engine_trigger', async (ctx) => {
    const p = await readParams(ctx, deps.maxBodyBytes);
    await engine.deleteTrigger(stringParam(p, 'db', true), stringParam(p, 'trigger_name', true), boolParam(p, 'force', false));
    ctx.status = 200;
    ctx.body = '';
  });
  for (const action of ['enable', 'disable'] as const) {
    router.post(`/api/v3/configure/processing_engine_trigger/${action}`, async (ctx) => {
      const q = ctx.query as Record<string, unknown>;
      const db = stringParam(q, 'db', true);
      const name = stringParam(q, 'trigger_name', true);
      await (action === 'enable' ? engine.enableTrigger(db, name) : engine.disableTrigger(db, name));
      ctx.status = 200;
      ctx.body = '';
    });
  }
  // Beyond upstream: re-fetch every gh: plugin in use (their triggers restart on the new copy).
  router.post('/api/v3/configure/plugin_repository/refresh', async (ctx) => {
    ctx.body = { refreshed: await engine.refreshRemotePlugins() };
  });
  const run = async (ctx: Context & { params: Record<string, string> }): Promise<void> => {
    const input: RequestInput = {
      queryParameters: queryParameters(ctx.querystring),
      headers: pluginHeaders(ctx.headers),
      body: await readBody(ctx, deps.maxBodyBytes),
    };
    const out = await engine.runRequestTrigger(ctx.params.path ?? '', input);
    ctx.status = out.status;
    for (const [name, value] of Object.entries(out.headers)) {
      try {
        ctx.set(name, value);
      } catch {
        ctx.set(name, '');
      }
    }
    // Set after the headers: koa's body setter would otherwise pick a content type of its own.
    const type = out.headers[Object.keys(out.headers).find((h) => h.toLowerCase() === 'content-type') ?? ''];
    ctx.body = out.body;
    if (type !== undefined) ctx.set('Content-Type', type);
    else ctx.remove('Content-Type');
  };
  router.get('/api/v3/engine/*path', run);
  router.post('/api/v3/engine/*path', run);
}

// The create body, leniently: missing settings take the defaults, `trigger_arguments` may be null.
function createRequest(body: Record<string, unknown>): CreateTriggerRequest {
  const settings = body.trigger_settings;
  return {
    database: stringParam(body, 'db', true),
    triggerName: stringParam(body, 'trigger_name', true),
    pluginFilename: stringParam(body, 'plugin_filename', true),
    specification: stringParam(body, 'trigger_specification', true),
    settings: parseTriggerSettings(settings),
    timeoutMs: timeoutSetting(typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>).timeout : undefined),
    limits: parseTriggerLimits(settings),
    arguments: parseTriggerArguments(body.trigger_arguments),
    disabled: boolParam(body, 'disabled', false),
    nodeSpec: parseNodeSpec(body.node_spec),
  };
}

// Beyond upstream: `trigger_settings.timeout` overrides --plugin-timeout for this trigger (humantime, or ms as a
// number; 0 = no limit).
function timeoutSetting(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  if (typeof value === 'string') {
    try {
      return Number(parseDurationNs(value) / 1_000_000n);
    } catch (err) {
      throw badRequest(`invalid trigger_settings.timeout '${value}': ${errorMessage(err)}`);
    }
  }
  throw badRequest(`invalid trigger_settings.timeout ${JSON.stringify(value)}: expected a duration like "30s"`);
}

// URL-decoded, `+` as space, the last value of a repeated key.
function queryParameters(querystring: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(querystring)) out[k] = v;
  return out;
}

// Lower-case names (Node already does that), repeated headers joined, Authorization never reaches the plugin.
function pluginHeaders(headers: Context['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'authorization' || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
