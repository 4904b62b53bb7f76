import { expect } from 'chai';
import { freePort } from '../../../bench/lib/peers.js';
import { pollFor } from '../../helpers/poll.js';
import type { ServerHandle } from '../../helpers/server-process.js';
import { forwarding, metric, startNode, startUpstream, upstreamCount, writeLp, type Upstream } from './process-node-helpers.js';

// --upstream-max-backlog: beyond it the node answers writes 503, until the upstream has taken the backlog.
describe('integration: a process node bounds its backlog', function () {
  this.timeout(90_000);
  let up: Upstream | null = null;
  let node: ServerHandle | null = null;
  after(async () => {
    await node?.stop();
    await up?.server.stop();
  });

  it('with a dead upstream, writes beyond the bound get 503 naming it; once the upstream is back they succeed again', async () => {
    const port = await freePort();
    const upstreamUrl = `http://127.0.0.1:${port}`;
    // The upstream is not started yet: nothing listens on its port.
    node = await startNode(upstreamUrl, { args: ['--upstream-max-backlog', '4096'] });
    let acked = 0;
    let refused: { status: number; text: string } | null = null;
    for (let b = 0; b < 200 && refused === null; b++) {
      const lp = Array.from({ length: 5 }, (_, i) => `bound,b=${b},i=${i} v=${i}i`).join('\n');
      const r = await writeLp(node.url, 'bounded', lp);
      if (r.status === 204) acked += 5;
      else refused = { status: r.status, text: r.text };
    }
    expect(refused, 'a write was refused').not.to.equal(null);
    expect(refused!.status).to.equal(503);
    expect(refused!.text).to.include('--upstream-max-backlog (4096 bytes)').and.include(upstreamUrl).and.include("write to 'bounded' refused");
    // v1 and v2 writes get it too.
    const v1 = await fetch(`${node.url}/write?db=bounded`, { method: 'POST', body: 'bound,b=x v=1' });
    expect(v1.status).to.equal(503);
    // Clients that honour it (Telegraf, the client libraries) wait before retrying; the server logs no error for it.
    expect(v1.headers.get('retry-after')).to.equal('5');
    expect(node.logs.filter((l) => l.includes('"request failed"'))).to.deep.equal([]);
    const v2 = await fetch(`${node.url}/api/v2/write?bucket=bounded`, { method: 'POST', body: 'bound,b=x v=1' });
    expect(v2.status).to.equal(503);
    const status = await forwarding(node);
    expect(status.backlog_bytes).to.be.at.least(4096);
    expect(status.backlog_records).to.equal(acked / 5);
    expect(status.state).to.equal('waiting_for_upstream');
    expect(await metric(node, 'influxdb3_upstream_backlog_records')).to.equal(acked / 5);
    // Reading the node's own system tables does not wait on the upstream.
    expect((await fetch(`${node.url}/api/v3/query_sql?db=bounded&q=${encodeURIComponent('SELECT backlog_records FROM system.upstream_forwarding')}`)).status).to.equal(200);

    up = await startUpstream({ port, auth: false });
    const ok = await pollFor(async () => (await writeLp(node!.url, 'bounded', 'bound,b=after v=1i')).status, (s) => s === 204, { timeoutMs: 30_000, intervalMs: 250 });
    expect(ok).to.equal(204);
    const n = await pollFor(() => upstreamCount(up!, 'bounded', 'bound'), (c) => c >= acked + 1, { timeoutMs: 30_000 });
    expect(n).to.equal(acked + 1);
    expect((await pollFor(() => forwarding(node!), (s) => s.backlog_records === 0)).backlog_records).to.equal(0);
  });
});
