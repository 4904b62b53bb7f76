import { expect } from 'chai';
import { influxdbMissing, startInfluxdb, type InfluxPeer } from '../../../bench/lib/peers.js';
import { pollFor } from '../../helpers/poll.js';
import type { ServerHandle } from '../../helpers/server-process.js';
import { fetchAnswer, forwarding, sql, startNode, writeLp } from './process-node-helpers.js';

// InfluxQL count on InfluxDB 1.x (0 while the database or measurement does not exist).
async function count1x(url: string, db: string, measurement: string): Promise<number> {
  const r = await fetchAnswer(`${url}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(`SELECT count(v) FROM "${measurement}"`)}`);
  return Number(r.json?.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0);
}

// A process node in front of InfluxDB 1.6 (Debian's `influxdb`): writes over v1 /write, the database created upstream
// on first use, and a local window of table data because 1.x cannot answer SQL.
describe('integration: a process node forwards to InfluxDB 1.6', function () {
  this.timeout(90_000);
  let influx: InfluxPeer | null = null;
  let node: ServerHandle | null = null;
  before(function () {
    const missing = influxdbMissing();
    if (missing) {
      console.log(`      skipped: ${missing} (install the Debian package: apt-get install -y influxdb)`);
      this.skip();
    }
  });
  after(async () => {
    await node?.stop();
    await influx?.stop();
  });

  it('rows appear once (counted with InfluxQL), the database is created upstream, and the node keeps a local window', async () => {
    influx = await startInfluxdb();
    node = await startNode(influx.url, { args: ['--upstream-database-map', 'sensors=onesix', '--process-local-retention', '3s'] });
    const old = Array.from({ length: 30 }, (_, i) => `cpu,host=h${i} v=${i} ${1_600_000_000 + i}`).join('\n');
    expect((await fetchAnswer(`${node.url}/write?db=sensors&precision=s`, { method: 'POST', body: old })).status).to.equal(204);
    const now = Array.from({ length: 20 }, (_, i) => `cpu,host=n${i} v=${i}.5`).join('\n');
    expect((await writeLp(node.url, 'sensors', now)).status).to.equal(204);
    expect(await pollFor(() => count1x(influx!.url, 'onesix', 'cpu'), (n) => n >= 50, { timeoutMs: 30_000 })).to.equal(50);
    const status = await pollFor(() => forwarding(node!), (s) => s.backlog_records === 0);
    expect(status).to.include({ write_api: 'v1', refused_total: 0, forwarded_total: 2 });
    // 1.x answers no SQL: the node keeps what it forwarded for --process-local-retention, then deletes it.
    const local = async (): Promise<number> => Number((await sql(node!.url, 'sensors', 'SELECT count(*) AS n FROM cpu'))[0]?.n);
    expect(await pollFor(local, (n) => n === 20, { timeoutMs: 10_000 })).to.equal(20);
    expect(await pollFor(local, (n) => n === 0, { timeoutMs: 15_000 })).to.equal(0);
    expect(await count1x(influx.url, 'onesix', 'cpu')).to.equal(50);
  });
});
