import { expect } from 'chai';
import { pollFor } from '../../helpers/poll.js';
import type { ServerHandle } from '../../helpers/server-process.js';
import { fetchAnswer, forwarding, metric, sendJson, sql, startNode, startUpstream, upstreamCount, writeLp, type Upstream, localCount } from './process-node-helpers.js';

// A process node in front of a second instance of this server (v3 API, auth on): what it acknowledges lands upstream.
describe('integration: a process node forwards its writes to an InfluxDB 3 upstream', function () {
  this.timeout(90_000);
  let up: Upstream;
  let node: ServerHandle;

  before(async () => {
    up = await startUpstream();
    node = await startNode(up.server.url, { tokenFile: up.tokenFile, args: ['--upstream-database-map', 'sensors=prod_sensors', '--wal-flush-interval', '100ms'] });
  });
  after(async () => {
    await node?.stop();
    await up?.server.stop();
  });

  it('rows written through /write, /api/v2/write and /api/v3/write_lp, with and without timestamps, appear upstream once', async () => {
    const v1 = Array.from({ length: 50 }, (_, i) => `cpu,api=v1,i=${i} v=${i}i ${1_700_000_000 + i}`).join('\n');
    expect((await fetchAnswer(`${node.url}/write?db=sensors&precision=s`, { method: 'POST', body: v1 })).status).to.equal(204);
    const v2 = Array.from({ length: 50 }, (_, i) => `cpu,api=v2,i=${i} v=${i}i,s="a \\"q\\" b",ok=true`).join('\n');
    expect((await fetchAnswer(`${node.url}/api/v2/write?bucket=sensors&precision=ns`, { method: 'POST', body: v2 })).status).to.equal(204);
    const v3 = Array.from({ length: 50 }, (_, i) => `cpu,api=v3,i=${i},sp=a\\ b v=${i}i,u=${i}u`).join('\n');
    expect((await writeLp(node.url, 'sensors', v3)).status).to.equal(204);
    // An unmapped database keeps its name upstream.
    expect((await writeLp(node.url, 'plain', 'mem,host=a used=1.5 1000\nmem,host=b used=2.5 2000')).status).to.equal(204);

    const n = await pollFor(() => upstreamCount(up, 'prod_sensors', 'cpu'), (c) => c >= 150, { timeoutMs: 20_000 });
    expect(n).to.equal(150);
    expect(await pollFor(() => upstreamCount(up, 'plain', 'mem'), (c) => c >= 2)).to.equal(2);
    // Explicit timestamps kept; strings, escapes and types intact.
    const byApi = await sql(up.server.url, 'prod_sensors', 'SELECT api, count(*) AS n, count(DISTINCT time) AS times FROM cpu GROUP BY api ORDER BY api', up.token);
    expect(byApi.map((r) => [r.api, r.n])).to.deep.equal([['v1', 50], ['v2', 50], ['v3', 50]]);
    // Lines without a timestamp got the node's ack time: one per write.
    expect(byApi.map((r) => r.times)).to.deep.equal([50, 1, 1]);
    const one = await sql(up.server.url, 'prod_sensors', "SELECT v, s, ok, u, sp, time FROM cpu WHERE (api = 'v2' OR api = 'v3' OR api = 'v1') AND i = '7' ORDER BY api", up.token);
    expect(one[0]).to.include({ v: 7, time: '2023-11-14T22:13:27' });
    expect(one[1]).to.include({ v: 7, s: 'a "q" b', ok: true });
    expect(one[2]).to.include({ v: 7, u: 7, sp: 'a b' });
    // Nothing is left to forward, and the node keeps no table data of its own (its upstream answers SQL).
    const status = await pollFor(() => forwarding(node), (s) => s.backlog_records === 0);
    expect(status).to.include({ backlog_records: 0, backlog_bytes: 0, write_api: 'v3', upstream_url: up.server.url, refused_total: 0 });
    expect(status.forwarded_total).to.equal(4);
    expect(await metric(node, 'influxdb3_upstream_backlog_bytes')).to.equal(0);
    expect(await metric(node, 'influxdb3_upstream_forwarded_lines_total')).to.equal(152);
    expect(await pollFor(() => localCount(node, 'sensors', 'cpu', 'v'), (n) => n === 0)).to.equal(0);
    // While the node's SQL endpoint answers the table from the upstream.
    expect((await sql(node.url, 'sensors', 'SELECT count(*) AS n FROM cpu'))[0].n).to.equal(150);
  });

  it('a WAL trigger on the node still fires with the rows it acknowledged', async () => {
    const r = await sendJson(`${node.url}/api/v3/configure/processing_engine_trigger`, {
      db: 'sensors',
      plugin_filename: 'wal_row_count.py',
      trigger_name: 'counter',
      trigger_specification: 'all_tables',
      trigger_settings: { run_async: false, error_behavior: 'log' },
      trigger_arguments: null,
      disabled: false,
    });
    expect(r.status, r.text).to.equal(200);
    const logs = async (): Promise<string[]> =>
      (await sql(node.url, 'sensors', "SELECT log_text FROM system.processing_engine_logs WHERE trigger_name = 'counter'")).map((x) => x.log_text as string);
    // Written until the runner is up and has seen one flush (each write's lines get their own ack time).
    let writes = 0;
    const seen = await pollFor(
      async () => {
        writes++;
        await writeLp(node.url, 'sensors', Array.from({ length: 5 }, (_, i) => `trig,i=${i} v=1`).join('\n'));
        return logs();
      },
      (l) => l.some((t) => t === 'rows of trig: 5'),
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(seen).to.include('rows of trig: 5');
    expect(await pollFor(() => upstreamCount(up, 'prod_sensors', 'trig'), (c) => c >= 5 * writes)).to.equal(5 * writes);
  });

  it('a 4xx from the upstream (a field type conflict) refuses that batch for good: logged, counted, and later writes go on', async () => {
    expect((await writeLp(node.url, 'conflict', 'f,t=a v=1i 1')).status).to.equal(204);
    await pollFor(() => upstreamCount(up, 'conflict', 'f'), (c) => c === 1);
    // A conflict only the upstream sees: its table g already has v as a string.
    const direct = await fetchAnswer(`${up.server.url}/api/v3/write_lp?db=conflict&precision=nanosecond`, {
      method: 'POST',
      headers: { authorization: `Bearer ${up.token}` },
      body: 'g,t=a v="text" 1',
    });
    expect(direct.status, direct.text).to.equal(204);
    expect((await writeLp(node.url, 'conflict', 'g,t=b v=2i 2')).status).to.equal(204);
    expect((await writeLp(node.url, 'conflict', 'f,t=b v=3i 3')).status).to.equal(204);
    await pollFor(() => upstreamCount(up, 'conflict', 'f'), (c) => c === 2);
    const status = await pollFor(() => forwarding(node), (s) => s.backlog_records === 0 && s.refused_total > 0);
    expect(status.refused_total).to.equal(1);
    expect(status.last_error).to.match(/HTTP 400/);
    expect(await metric(node, 'influxdb3_upstream_refused_writes_total')).to.equal(1);
    expect(node.logs.some((l) => l.includes('the upstream refused forwarded writes (seq') && l.includes('"level":50'))).to.equal(true);
  });
});
