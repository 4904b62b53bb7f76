import { expect } from 'chai';
import { PreEncoded } from '../../../src/ipc/codec/msgpack-codec.js';
import { RemoteError } from '../../../src/ipc/errors.js';
import { isStopByRequest, RunnerErrorType } from '../../../src/ipc/protocol/error-types.js';
import {
  loadRequest,
  parseCallFailure,
  parseCallResult,
  parseLoadResult,
  pluginCallRequest,
} from '../../../src/ipc/protocol/plugin-calls.js';

describe('ipc/protocol/plugin-calls', () => {
  const snapshot = new Map([['k', { value: Buffer.from('v'), expiresAt: 5 }]]);

  it('writes load params in snake_case, leaving out what is not given', () => {
    expect(loadRequest({ pluginPath: '/p.py', database: 'db', persistCache: true, triggerName: 'db/t' })).to.deep.equal({
      method: 'load',
      params: { plugin_path: '/p.py', database: 'db', persist_cache: true, trigger_name: 'db/t' },
    });
    const { params } = loadRequest({ pluginPath: '/p.py', database: 'db', source: 'x = 1', cacheSnapshot: snapshot, memoryLimitBytes: 10 });
    expect(params).to.deep.equal({
      plugin_path: '/p.py',
      database: 'db',
      source: 'x = 1',
      cache_snapshot: new Map([['k', { value: Buffer.from('v'), expires_at: 5 }]]),
      memory_limit_bytes: 10,
    });
  });

  it('reads the load answer with defaults for what is missing', () => {
    expect(parseLoadResult({ kind: 'package', pid: 3, cache_restored: 2, cache_restore_failed: ['x'], memory_limit_applied: true })).to.deep.equal({
      kind: 'package',
      cacheRestored: 2,
      cacheRestoreFailed: ['x'],
      memoryLimitApplied: true,
    });
    expect(parseLoadResult(null)).to.deep.equal({ kind: 'file', cacheRestored: 0, cacheRestoreFailed: [], memoryLimitApplied: null });
  });

  it('writes each plugin call under its method with its own fields', () => {
    const batches = new PreEncoded(Buffer.from([0x90]));
    expect(pluginCallRequest({ method: 'processWrites', tableBatches: batches, args: { a: '1' } })).to.deep.equal({
      method: 'process_writes',
      params: { table_batches: batches, args: { a: '1' } },
    });
    expect(pluginCallRequest({ method: 'processScheduledCall', callTimeSeconds: 60, startAtNs: 60_000_000_000n, args: null })).to.deep.equal({
      method: 'process_scheduled_call',
      params: { call_time: 60, start_at_ns: 60_000_000_000n, args: null },
    });
    const body = Buffer.from('{}');
    expect(pluginCallRequest({ method: 'processRequest', queryParameters: { q: '1' }, requestHeaders: { h: 'v' }, requestBody: body, args: null })).to.deep.equal({
      method: 'process_request',
      params: { query_parameters: { q: '1' }, request_headers: { h: 'v' }, request_body: body, args: null },
    });
  });

  it('adds the dry-run scope (database, test cache and its contents) to a call', () => {
    const { params } = pluginCallRequest({ method: 'processWrites', tableBatches: [], args: null, database: 'db', cacheName: 'c', cacheSnapshot: snapshot });
    expect(params).to.deep.equal({
      table_batches: [],
      args: null,
      database: 'db',
      cache_name: 'c',
      cache_snapshot: new Map([['k', { value: Buffer.from('v'), expires_at: 5 }]]),
    });
  });

  it('reads a call result: remaining writes, cache changes and a request answer', () => {
    const result = parseCallResult({
      writes: { db: ['m f=1'] },
      cache_changes: { cache_name: null, set: { k: { value: Buffer.from('x'), expires_at: null } }, deleted: ['old'], unpicklable: [] },
      status: 201,
      headers: { a: 'b' },
      body: Buffer.from('hi'),
    });
    expect(result.writes).to.deep.equal({ db: ['m f=1'] });
    expect(result.cacheChanges).to.deep.equal({ cacheName: null, set: new Map([['k', { value: Buffer.from('x'), expiresAt: null }]]), deleted: ['old'], unpicklable: [] });
    expect(result.response).to.deep.equal({ status: 201, headers: { a: 'b' }, body: Buffer.from('hi') });
    expect(parseCallResult({})).to.deep.equal({ writes: {}, cacheChanges: null, response: { status: null, headers: {}, body: '' } });
  });

  it('reads the phase and cache changes the runner adds to a failed call', () => {
    const err = new RemoteError('process_writes', 'ValueError', 'ValueError: nope', 'tb', {
      phase: 'call',
      cache_changes: { cache_name: 'c', set: {}, deleted: [], unpicklable: ['u'] },
    });
    expect(parseCallFailure(err)).to.deep.equal({
      errorType: 'ValueError',
      message: 'ValueError: nope',
      traceback: 'tb',
      phase: 'call',
      cacheChanges: { cacheName: 'c', set: new Map(), deleted: [], unpicklable: ['u'] },
    });
    expect(parseCallFailure(new RemoteError('load', 'X', 'm', null, { phase: 'elsewhere' })).phase).to.equal(null);
  });

  it('tells a call stopped on request from a plugin failure', () => {
    expect(isStopByRequest(RunnerErrorType.shuttingDown, false)).to.equal(true);
    expect(isStopByRequest(RunnerErrorType.cancelled, false)).to.equal(true);
    expect(isStopByRequest(RunnerErrorType.keyboardInterrupt, true)).to.equal(true);
    expect(isStopByRequest(RunnerErrorType.keyboardInterrupt, false)).to.equal(false);
    expect(isStopByRequest('ValueError', true)).to.equal(false);
  });
});
