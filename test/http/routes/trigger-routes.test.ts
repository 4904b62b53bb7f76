import { expect } from 'chai';
import Koa from 'koa';
import Router from '@koa/router';
import { errorMapper } from '../../../src/http/middleware/error-mapper.js';
import { registerTriggerRoutes, type TriggerApi } from '../../../src/http/routes/trigger-routes.js';
import { noRequestTrigger, requestTriggerFailed, requestTriggerNotRunning } from '../../../src/engine/triggers/errors.js';
import type { RequestOutput } from '../../../src/engine/triggers/trigger-event.js';
import { createLogger } from '../../../src/shared/logger.js';
import { serveOnLoopback, type Served } from '../../helpers/http.js';

describe('http/routes/trigger-routes: request triggers', () => {
  let served: Served;
  let url: string;
  let answer: () => Promise<RequestOutput>;

  before(async () => {
    const engine = { runRequestTrigger: () => answer() } as unknown as TriggerApi;
    const app = new Koa();
    app.silent = true;
    app.use(errorMapper(createLogger('silent')));
    const router = new Router();
    registerTriggerRoutes(router, { engine, maxBodyBytes: 1024 });
    app.use(router.routes());
    served = await serveOnLoopback(app.callback());
    url = served.url;
  });

  after(async () => {
    await served.close();
  });

  const get = async (): Promise<{ status: number; type: string | null; json: unknown }> => {
    const r = await fetch(`${url}/api/v3/engine/hook`);
    return { status: r.status, type: r.headers.get('content-type'), json: await r.json() };
  };

  it("the engine's typed errors answer with their status and {\"error\": message}", async () => {
    answer = () => Promise.reject(noRequestTrigger('hook'));
    expect(await get()).to.deep.include({ status: 404, json: { error: "not found: no request trigger for path 'hook'" } });
    answer = () => Promise.reject(requestTriggerFailed('Python function call failed: ValueError: boom'));
    expect(await get()).to.deep.include({ status: 500, json: { error: 'Python function call failed: ValueError: boom' } });
    answer = () => Promise.reject(requestTriggerNotRunning('hook', 'the trigger was stopped'));
    const busy = await get();
    expect(busy).to.deep.include({ status: 503, json: { error: "request trigger 'hook' is not running: the trigger was stopped" } });
    expect(busy.type).to.match(/^application\/json/);
  });

  it("the plugin's own answer passes through as it is, error statuses included", async () => {
    answer = async () => ({ status: 404, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"error":"Not Found","code":404}') });
    expect(await get()).to.deep.equal({ status: 404, type: 'application/json', json: { error: 'Not Found', code: 404 } });
  });
});
