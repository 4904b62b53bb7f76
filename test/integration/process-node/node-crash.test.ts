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

  it('killed with a request in flight: after restart the upstream has every line exactly once', async () => {
    const burst = async (from: number, to: number): Promise<void> => {
      const writes = [];
      for (let b = from; b < to; b++) {
        const lp = Array.from({ length: 1000 }, (_, i) => `burst,b=${b},i=${i} v=${i}i,s="x"`).join('\n');
        writes.push(writeLp(node!.url, 'burstdb', lp));
      }
      for (const r of await Promise.all(writes)) expect(r.status).to.equal(204);
    };
    await burst(0, 20);
    await pollFor(() => upstreamCount(up!, 'burstdb', 'burst'), (n) => n === 20_000, { timeoutMs: 20_000 });
    // The upstream stops answering (SIGSTOP): the node's next request stays in flight, unconfirmed, when it dies.
    up!.server.child.kill('SIGSTOP');
    try {
      await burst(20, 40);
      await pollFor(() => forwarding(node!), (s) => s.state === 'forwarding' && s.backlog_records === 20);
      await node!.kill();
    } finally {
      up!.server.child.kill('SIGCONT');
    }
    // The upstream may still store the request it had read: the restarted node sends it again, to the same points.
    expect(await upstreamCount(up!, 'burstdb', 'burst')).to.be.below(40_000);
    node = await startNode(up!.server.url, { dataDir: node!.dataDir });
    expect(await pollFor(() => upstreamCount(up!, 'burstdb', 'burst'), (n) => n >= 40_000, { timeoutMs: 40_000, intervalMs: 250 })).to.equal(40_000);
    expect((await pollFor(() => forwarding(node!), (s) => s.backlog_records === 0)).backlog_records).to.equal(0);
  });
});
