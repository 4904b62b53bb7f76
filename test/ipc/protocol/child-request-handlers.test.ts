import { expect } from 'chai';
import { registerChildRequestHandlers, type ChildRequestHandlers } from '../../../src/ipc/protocol/child-request-handlers.js';
import { FakePeer } from '../connection/fake-peer.js';

// A handler set that records what it was asked, in the engine's vocabulary.
function recorder(): { calls: Array<[string, unknown]>; handlers: ChildRequestHandlers } {
  const calls: Array<[string, unknown]> = [];
  const handlers: ChildRequestHandlers = {
    query: (p) => (calls.push(['query', p]), { columns: ['a'], rows: [[1]] }),
    queryNext: (p) => (calls.push(['queryNext', p]), { rows: [] }),
    queryClose: (p) => void calls.push(['queryClose', p]),
    writeChunk: async (p) => void calls.push(['writeChunk', p]),
    writeSync: async (p) => void calls.push(['writeSync', p]),
    cacheGet: (p) => (calls.push(['cacheGet', p]), { found: true, value: Buffer.from('v') }),
    cachePut: (p) => void calls.push(['cachePut', p]),
    cacheDelete: (p) => (calls.push(['cacheDelete', p]), true),
    log: (p) => void calls.push(['log', p]),
  };
  return { calls, handlers };
}

describe('ipc/protocol/child-request-handlers', () => {
  let peer: FakePeer;
  let rec: ReturnType<typeof recorder>;
  let nextId: number;

  beforeEach(() => {
    peer = new FakePeer();
    rec = recorder();
    registerChildRequestHandlers(peer.connect(), rec.handlers);
    nextId = 1;
  });

  const ask = async (method: string, params: Record<string, unknown>): Promise<Record<string, any>> => {
    const id = nextId++;
    peer.send({ type: 'request', id, method, params });
    return peer.next((m) => m.type === 'response' && m.id === id);
  };

  it('reads query params into camelCase and answers with the handler result', async () => {
    const reply = await ask('query', { call_id: 4, query: 'SELECT 1', args: { a: 'b' }, database: 'db' });
    expect(reply.result).to.deep.equal({ columns: ['a'], rows: [[1]] });
    expect(rec.calls).to.deep.equal([['query', { callId: 4, database: 'db', query: 'SELECT 1', args: { a: 'b' } }]]);
    await ask('query_next', { call_id: 4, cursor: 2 });
    expect(rec.calls[1]).to.deep.equal(['queryNext', { callId: 4, cursor: 2 }]);
  });

  it('reads writes, answering {} once the handler finished', async () => {
    const chunk = await ask('write_chunk', { call_id: 1, writes: { db: Buffer.from('m f=1') } });
    expect(chunk.result).to.deep.equal({});
    const [name, params] = rec.calls[0]!;
    expect(name).to.equal('writeChunk');
    expect([...(params as { writes: Map<string, Uint8Array> }).writes].map(([db, b]) => [db, Buffer.from(b).toString()])).to.deep.equal([['db', 'm f=1']]);
    await ask('write_sync', { call_id: 1, database: 'db', lines: 'm f=2', no_sync: true });
    expect(rec.calls[1]).to.deep.equal(['writeSync', { callId: 1, database: 'db', lines: 'm f=2', noSync: true }]);
  });

  it('refuses write chunks and cache values that are not bin, as TypeError', async () => {
    const chunk = await ask('write_chunk', { call_id: 1, writes: { db: 'text' } });
    expect(chunk.error).to.include({ type: 'TypeError', message: 'write_chunk lines for db must be bin' });
    const put = await ask('cache_put', { call_id: 1, key: 'k', value: 'text', ttl: null, cache_name: null });
    expect(put.error).to.include({ type: 'TypeError', message: 'cache_put needs a pickled value (bin)' });
    expect(rec.calls).to.deep.equal([]);
  });

  it('serves the global cache with snake_case answers', async () => {
    const got = await ask('cache_get', { call_id: 1, key: 'k', cache_name: 'test' });
    expect(got.result).to.deep.equal({ found: true, value: Buffer.from('v') });
    await ask('cache_put', { call_id: 1, key: 'k', value: Buffer.from('p'), ttl: 3, cache_name: null });
    const deleted = await ask('cache_delete', { call_id: 1, key: 'k', cache_name: null });
    expect(deleted.result).to.deep.equal({ deleted: true });
    expect(rec.calls[0]).to.deep.equal(['cacheGet', { callId: 1, cacheName: 'test', key: 'k' }]);
    const put = rec.calls[1]![1] as { ttlSeconds: number; value: Uint8Array; cacheName: string | null };
    expect([put.ttlSeconds, Buffer.from(put.value).toString(), put.cacheName]).to.deep.equal([3, 'p', null]);
  });

  it('reads log and query_close notifications; an unknown level is INFO', async () => {
    peer.send({ type: 'notification', method: 'log', params: { call_id: 2, level: 'WARN', text: 'w' } });
    peer.send({ type: 'notification', method: 'log', params: { level: 'LOUD', text: 'x' } });
    peer.send({ type: 'notification', method: 'query_close', params: { call_id: 2, cursor: 7 } });
    // Frames are served in order: once a later request is answered, the notifications were handled.
    await ask('query_next', { call_id: 2, cursor: 7 });
    expect(rec.calls.slice(0, 3)).to.deep.equal([
      ['log', { callId: 2, level: 'WARN', text: 'w' }],
      ['log', { callId: null, level: 'INFO', text: 'x' }],
      ['queryClose', { callId: 2, cursor: 7 }],
    ]);
  });
});
