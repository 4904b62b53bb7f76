import { expect } from 'chai';
import { freePort } from '../../../bench/lib/peers.js';
import { pollFor } from '../../helpers/poll.js';
import type { ServerHandle } from '../../helpers/server-process.js';
import { forwarding, startNode, startUpstream, upstreamCount, writeLp, type Upstream } from './process-node-helpers.js';

// A process node SIGKILLed with a backlog: its WAL and forward cursor bring everything to the upstream after restart.
describe('integration: a process node killed with a backlog forwards it after restart', function () {
  this.timeout(90_000);
  let up: Upstream | null = null;
  let node: ServerHandle | null = null;
  after(async () => {
    await node?.stop();
    await up?.server.stop();
  });

  it('a backlog built while the upstream was down survives SIGKILL; nothing lost, nothing twice', async () => {
    const port = await freePort();
    const upstreamUrl = `http://127.0.0.1:${port}`;
    node = await startNode(upstreamUrl);
    let lines = 0;
    for (let b = 0; b < 20; b++) {
      // Half the writes without timestamps: after the restart they must land on the times the node gave them.
      const lp = Array.from({ length: 10 }, (_, i) => `crash,b=${b},i=${i} v=${i}i${b % 2 === 0 ? ` ${1_700_000_000_000_000_000 + b * 10 + i}` : ''}`).join('\n');
      expect((await writeLp(node.url, 'crashdb', lp)).status).to.equal(204);
      lines += 10;
    }
    expect((await forwarding(node)).backlog_records).to.equal(20);
    await node.kill();
    up = await startUpstream({ port, auth: false });
    node = await startNode(upstreamUrl, { dataDir: node.dataDir });
    expect(await pollFor(() => upstreamCount(up!, 'crashdb', 'crash'), (n) => n >= lines, { timeoutMs: 30_000 })).to.equal(lines);
    expect((await pollFor(() => forwarding(node!), (s) => s.backlog_records === 0)).forwarded_total).to.equal(20);
  });

  it('killed while forwarding a burst: after restart the upstream has every line exactly once', async () => {
    let lines = 0;
    const writes: Array<Promise<Response>> = [];
    for (let b = 0; b < 40; b++) {
      const lp = Array.from({ length: 1000 }, (_, i) => `burst,b=${b},i=${i} v=${i}i,s="x"`).join('\n');
      writes.push(writeLp(node!.url, 'burstdb', lp).then((r) => new Response(null, { status: r.status })));
      lines += 1000;
    }
    for (const w of writes) expect((await w).status).to.equal(204);
    // Some of it is upstream already, some not: the kill lands mid-forwarding.
    await node!.kill();
    const before = await upstreamCount(up!, 'burstdb', 'burst');
    expect(before).to.be.below(lines);
    node = await startNode(up!.server.url, { dataDir: node!.dataDir });
    expect(await pollFor(() => upstreamCount(up!, 'burstdb', 'burst'), (n) => n >= lines, { timeoutMs: 40_000, intervalMs: 250 })).to.equal(lines);
    expect((await pollFor(() => forwarding(node!), (s) => s.backlog_records === 0)).backlog_records).to.equal(0);
  });
});
