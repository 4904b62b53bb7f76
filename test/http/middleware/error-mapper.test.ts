import { expect } from 'chai';
import Koa from 'koa';
import Router from '@koa/router';
import { Writable } from 'node:stream';
import { errorMapper, errorStyle } from '../../../src/http/middleware/error-mapper.js';
import { AppError, badRequest } from '../../../src/shared/app-error.js';
import { createLogger } from '../../../src/shared/logger.js';
import { serveOnLoopback, type Served } from '../../helpers/http.js';

interface Answer {
  status: number;
  json: unknown;
  requestId: string | null;
}

describe('http/middleware/error-mapper', () => {
  let served: Served;
  let url: string;
  const logLines: Array<Record<string, unknown>> = [];

  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line));
        done();
      },
    });
    const app = new Koa();
    app.silent = true;
    app.use(errorMapper(createLogger('debug', sink), () => 'req-1'));
    const router = new Router();
    const partial = new AppError('write_error', 'partial write of line protocol occurred', { status: 400, details: [{ line_number: 2 }] });
    router.get('/v3/bad', () => {
      throw badRequest('no such thing');
    });
    router.get('/v3/partial', () => {
      throw partial;
    });
    router.get('/v3/hidden', () => {
      throw new AppError('wal_io', 'disk full at /secret/path', { status: 500, expose: false });
    });
    router.get('/v3/crash', () => {
      throw new TypeError('cannot read properties of undefined (secret detail)');
    });
    router.get('/v2/bad', errorStyle('v2'), () => {
      throw badRequest('no such bucket');
    });
    router.get('/v2/big', errorStyle('v2'), () => {
      throw new AppError('payload_too_large', 'too big', { status: 413 });
    });
    router.get('/v2/crash', errorStyle('v2'), () => {
      throw new Error('boom');
    });
    router.get('/v1/partial', errorStyle('v1'), () => {
      throw partial;
    });
    router.get('/v1/later', errorStyle('v1'), () => {
      throw new AppError('upstream_backlog_full', 'backlog full, retry later', { status: 503, retryAfterSeconds: 5 });
    });
    app.use(router.routes());
    served = await serveOnLoopback(app.callback());
    url = served.url;
  });

  after(async () => {
    await served.close();
  });

  const get = async (path: string): Promise<Answer> => {
    const r = await fetch(`${url}${path}`);
    return { status: r.status, json: await r.json(), requestId: r.headers.get('request-id') };
  };

  it('v1 and v3: {"error"} with the data of the error when it has some', async () => {
    expect(await get('/v3/bad')).to.deep.equal({ status: 400, json: { error: 'no such thing' }, requestId: null });
    const data = [{ line_number: 2 }];
    expect(await get('/v3/partial')).to.deep.equal({ status: 400, json: { error: 'partial write of line protocol occurred', data }, requestId: null });
    expect(await get('/v1/partial')).to.deep.equal({ status: 400, json: { error: 'partial write of line protocol occurred', data }, requestId: null });
  });

  it('v2: {"code", "message"} with the code InfluxDB 2 gives the status', async () => {
    expect((await get('/v2/bad')).json).to.deep.equal({ code: 'invalid', message: 'no such bucket' });
    expect(await get('/v2/big')).to.deep.include({ status: 413, json: { code: 'request too large', message: 'too big' } });
  });

  it('a typed error that is not exposed shows a generic message, logged with a request id', async () => {
    expect(await get('/v3/hidden')).to.deep.equal({ status: 500, json: { error: 'internal error' }, requestId: 'req-1' });
    const line = logLines.find((l) => l.msg === 'request failed')!;
    expect(line).to.deep.include({ requestId: 'req-1', path: '/v3/hidden' });
  });

  it('an unexpected error never shows its message: 500, a request id in the body and header, the stack in the log', async () => {
    const answer = await get('/v3/crash');
    expect(answer).to.deep.equal({ status: 500, json: { error: 'internal error (request-id: req-1)' }, requestId: 'req-1' });
    const v2 = await get('/v2/crash');
    expect(v2).to.deep.equal({ status: 500, json: { code: 'internal error', message: 'internal error (request-id: req-1)' }, requestId: 'req-1' });
    const line = logLines.find((l) => l.msg === 'unhandled error in request' && l.path === '/v3/crash')!;
    expect(line.requestId).to.equal('req-1');
    const err = line.err as { message: string; stack: string };
    expect(err.message).to.equal('cannot read properties of undefined (secret detail)');
    expect(err.stack).to.contain('TypeError');
  });

  it('a transient refusal answers its status with Retry-After, and is no error in the log', async () => {
    const before = logLines.length;
    const res = await fetch(`${url}/v1/later`);
    expect(res.status).to.equal(503);
    expect(res.headers.get('retry-after')).to.equal('5');
    expect(res.headers.get('request-id')).to.equal(null);
    expect(await res.json()).to.deep.equal({ error: 'backlog full, retry later' });
    expect(logLines.slice(before).map((l) => l.level)).to.deep.equal([20]);
  });
});
