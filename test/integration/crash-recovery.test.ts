import { expect } from 'chai';
import { startServer, removeDir, type ServerHandle } from '../helpers/server-process.js';

// Writers send batches of unique points; a batch counts as acknowledged only on 204. Each line has its own
// timestamp (ms plus a per-writer counter in the ns digits): lines of one series sharing a timestamp would
// be one point, the later replacing the earlier.
async function writeLoad(s: ServerHandle, cycle: number, acked: Set<string>, stopAt: number): Promise<void> {
  const writer = async (w: number): Promise<void> => {
    let batch = 0;
    while (Date.now() < stopAt) {
      const keys: string[] = [];
      const lines: string[] = [];
      const ms = BigInt(Date.now()) * 1_000_000n;
      for (let i = 0; i < 50; i++) {
        const key = `${cycle}-${w}-${batch}-${i}`;
        keys.push(key);
        lines.push(`crash,writer=w${w} key="${key}",n=${i}i ${ms + BigInt((batch * 50 + i) % 1_000_000)}`);
      }
      batch++;
      try {
        const r = await fetch(`${s.url}/api/v3/write_lp?db=crash`, { method: 'POST', body: lines.join('\n') });
        if (r.status === 204) for (const k of keys) acked.add(k);
      } catch {
        return; // the server was killed mid-request: not acknowledged
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(writer));
}

describe('integration: crash recovery under concurrent writes', function () {
  this.timeout(120_000);
  let s: ServerHandle | null = null;
  let dataDir = '';
  after(async () => {
    await s?.kill();
    if (dataDir) removeDir(dataDir);
  });

  it('keeps every acknowledged line exactly once across SIGKILLs', async () => {
    const acked = new Set<string>();
    for (let cycle = 0; cycle < 4; cycle++) {
      s = await startServer(dataDir ? { dataDir } : {});
      dataDir = s.dataDir;
      const killAfter = 300 + Math.floor(Math.random() * 700);
      const load = writeLoad(s, cycle, acked, Date.now() + 5000);
      await new Promise((r) => setTimeout(r, killAfter)); // the scenario: a kill at a random moment under load
      await s.kill();
      await load;
    }
    s = await startServer({ dataDir });
    const res = await fetch(`${s.url}/api/v3/query_sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ db: 'crash', q: 'SELECT key, count(*) AS c FROM crash GROUP BY key' }),
    });
    expect(res.status).to.equal(200);
    const rows = (await res.json()) as Array<{ key: string; c: number }>;
    const present = new Map(rows.map((r) => [r.key, r.c]));
    const duplicates = rows.filter((r) => r.c !== 1);
    expect(duplicates, 'lines stored more than once').to.deep.equal([]);
    const missing = [...acked].filter((k) => !present.has(k));
    expect(acked.size, 'the load acknowledged something').to.be.greaterThan(0);
    expect(missing, 'acknowledged lines lost').to.deep.equal([]);
  });
});
