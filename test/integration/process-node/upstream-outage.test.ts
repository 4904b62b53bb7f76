import { expect } from 'chai';
import { freePort } from '../../../bench/lib/peers.js';
import { pollFor } from '../../helpers/poll.js';
import type { ServerHandle } from '../../helpers/server-process.js';
import { forwarding, metric, startNode, startUpstream, upstreamCount, writeLp, type Upstream } from './process-node-helpers.js';

// How long the upstream stays dead: 30 s, the outage operators plan for (a restart or a failover upstream);
// PROCESS_NODE_OUTAGE_MS shortens it while working on this file.
const OUTAGE_MS = Number(process.env.PROCESS_NODE_OUTAGE_MS ?? 30_000);

describe('integration: a process node rides out an upstream outage', function () {
  this.timeout(90_000 + 2 * OUTAGE_MS);
  let up: Upstream | null = null;
  let node: ServerHandle | null = null;
  after(async () => {
    await node?.stop();
    await up?.server.stop();
  });

  it('under a steady writer, the node acknowledges everything while the upstream is SIGKILLed, then the upstream has every line once', async () => {
    const port = await freePort();
    up = await startUpstream({ port });
    const { token, tokenFile } = up;
    const dataDir = up.server.dataDir;
    node = await startNode(up.server.url, { tokenFile });
    let acked = 0;
    let failed = 0;
    let stop = false;
    let batch = 0;
    // Ten lines per write, half with explicit timestamps and half without.
    const writer = (async () => {
      while (!stop) {
        const b = batch++;
        const lp = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? `load,b=${b},i=${i} v=${i}i ${1_700_000_000_000_000_000 + b * 10 + i}` : `load,b=${b},i=${i} v=${i}i`)).join('\n');
        const r = await writeLp(node!.url, 'steady', lp);
        if (r.status === 204) acked += 10;
        else failed++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await pollFor(() => upstreamCount(up!, 'steady', 'load'), (n) => n > 0, { timeoutMs: 20_000 });
    await up.server.kill();
    const during = await pollFor(() => forwarding(node!), (s) => s.backlog_records > 5 && s.state === 'retrying', { timeoutMs: 20_000 });
    expect(during.state).to.equal('retrying');
    expect(during.backlog_bytes).to.be.greaterThan(0);
    expect(during.last_error).to.include('cannot be reached');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const status = await forwarding(node);
    expect(status.oldest_unforwarded_age_seconds).to.be.greaterThan(0);
    expect(await metric(node, 'influxdb3_upstream_backlog_bytes')).to.be.greaterThan(0);
    up = await startUpstream({ port, dataDir, token });
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await writer;
    expect(failed, 'writes the node refused').to.equal(0);
    const total = await pollFor(() => upstreamCount(up!, 'steady', 'load'), (n) => n >= acked, { timeoutMs: 40_000, intervalMs: 250 });
    expect(total).to.equal(acked);
    const after = await pollFor(() => forwarding(node!), (s) => s.backlog_records === 0);
    expect(after).to.include({ backlog_records: 0, backlog_bytes: 0 });
    // JSON leaves out null columns, as InfluxDB does.
    expect(after).not.to.have.property('oldest_unforwarded_time');
    expect(await metric(node, 'influxdb3_upstream_backlog_bytes')).to.equal(0);
    expect(await metric(node, 'influxdb3_upstream_backlog_records')).to.equal(0);
    // Logged once per change of state, not per attempt.
    const warnings = node.logs.filter((l) => l.includes('forwarding to the upstream failed'));
    expect(warnings.length).to.be.lessThan(4);
    expect(node.logs.some((l) => l.includes('the upstream takes forwarded writes again'))).to.equal(true);
    // The recovery's drain is reported with its rate.
    const drained = await pollFor(() => node!.logs.find((l) => l.includes('"upstream backlog drained"')), (l) => l !== undefined);
    expect(JSON.parse(drained!)).to.include.keys('rowsPerSecond', 'elapsedSeconds');
  });
});
