import { expect } from 'chai';
import { pluginLogs, startPluginServer, waitForNoRunners, type PluginServer } from '../fixtures/plugins/plugin-server.js';

// The plugin cache through dry runs, test-local namespaces kept between runs.
describe('integration: plugin cache in dry runs', function () {
  this.timeout(30_000);
  let s: PluginServer;
  before(async () => {
    s = await startPluginServer();
    await s.write('cachedb', 'seed x=1i');
  });
  after(async () => {
    const left = await waitForNoRunners(s.pluginDir);
    await s.stop();
    expect(left, 'temporary runners left behind').to.deep.equal([]);
  });

  const run = async (filename: string, cacheName?: string) => {
    const r = await s.schedule({ filename, database: 'cachedb', ...(cacheName ? { cache_name: cacheName } : {}) });
    expect(r.errors, filename).to.deep.equal([]);
    return pluginLogs(r);
  };

  describe('the cache through the schedule test endpoint', () => {
    it('put/get round-trips', async () => {
      expect(await run('cache/roundtrip.py', 'roundtrip')).to.deep.equal(['INFO: value: test_value']);
    });

    it('an entry with ttl=1.0 reads back as None 1.5 s later', async () => {
      expect(await run('cache/ttl.py', 'ttl')).to.deep.equal(['INFO: before: expires', 'INFO: after: None']);
    });

    it('the local and global namespaces are separate', async () => {
      expect(await run('cache/namespaces.py', 'ns')).to.deep.equal(['INFO: local: local_value, global: global_value']);
    });

    it('values put by one plugin under a cache name are read by another plugin in a later run', async () => {
      expect(await run('cache/writer.py', 'shared_test_cache')).to.deep.equal(['INFO: stored']);
      expect(await run('cache/reader.py', 'shared_test_cache')).to.deep.equal([
        "INFO: local: {'from': 'writer', 'n': 1}, global: global handoff",
      ]);
      expect(await run('cache/reader.py', 'other_cache')).to.deep.equal(['INFO: local: None, global: None']);
    });

    it('the default cache name is _shared_test', async () => {
      await run('cache/writer.py');
      expect(await run('cache/reader.py', '_shared_test')).to.deep.equal(["INFO: local: {'from': 'writer', 'n': 1}, global: global handoff"]);
    });

    it('delete returns True, then get returns None; deleting a missing key returns False', async () => {
      expect(await run('cache/delete.py', 'del')).to.deep.equal(['INFO: deleted: True, after: None, missing: False']);
    });

    it('a nested dict keeps its types and is held by reference within a run', async () => {
      expect(await run('cache/nested.py', 'nested')).to.deep.equal(['INFO: types: dict/dict/list', 'INFO: by reference: [1, 2, 3, 4]']);
    });
  });

  it('a WAL plugin counts rows across test runs through the cache', async () => {
    const first = await s.wal({ filename: 'cache/wal_counter.py', database: 'cachedb', cache_name: 'test_cache', input_lp: 'cpu v=1i 1\ncpu v=2i 2\ncpu v=3i 3' });
    expect(pluginLogs(first)).to.deep.equal(['INFO: First run, initializing count', 'INFO: Updated count: 3']);
    const second = await s.wal({ filename: 'cache/wal_counter.py', database: 'cachedb', cache_name: 'test_cache', input_lp: 'cpu v=4i 4\nmem v=5i 5' });
    expect(pluginLogs(second)).to.deep.equal(['INFO: Previous count: 3', 'INFO: Updated count: 5']);
  });
});
