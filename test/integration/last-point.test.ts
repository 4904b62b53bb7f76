import { expect } from 'chai';
import { startServer, removeDir, type ServerHandle } from '../helpers/server-process.js';

// Last-point statements over HTTP answer the same with the last-point index (server A) and without it (server B,
// INFLUXDB3_LAST_POINT_INDEX=off), through writes, rewrites, out-of-order points, table deletion and a restart.
const DB = 'lp';

async function write(s: ServerHandle, body: string): Promise<void> {
  const r = await fetch(`${s.url}/api/v3/write_lp?db=${DB}&precision=s`, { method: 'POST', body });
  expect(r.status, await r.clone().text()).to.equal(204);
}

async function answer(s: ServerHandle, q: { sql?: string; influxql?: string; v1?: string }): Promise<string> {
  const r = q.v1 !== undefined
    ? await fetch(`${s.url}/query?db=${DB}&q=${encodeURIComponent(q.v1)}`)
    : await fetch(`${s.url}/api/v3/${q.sql !== undefined ? 'query_sql' : 'query_influxql'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ db: DB, q: q.sql ?? q.influxql, format: 'json' }),
      });
  return `${r.status} ${await r.text()}`;
}

const QUERIES = [
  { sql: "SELECT * FROM cpu WHERE host = 'h3' ORDER BY time DESC LIMIT 1" },
  { sql: "SELECT * FROM cpu WHERE host = 'h3' ORDER BY time DESC LIMIT 10" },
  { sql: "SELECT host, usage FROM cpu WHERE region = 'r1' ORDER BY time DESC LIMIT 5" },
  { sql: "SELECT * FROM cpu WHERE host = 'h3' AND region = 'r3' ORDER BY time DESC LIMIT 3;" },
  { sql: 'SELECT * FROM cpu ORDER BY time DESC LIMIT 4' },
  { sql: "SELECT selector_last(usage, time) FROM cpu WHERE host = 'h3'" },
  { sql: "SELECT selector_last(usage, time) AS u, selector_last(system, time) AS s FROM cpu WHERE host = 'h5'" },
  { sql: "SELECT selector_first(system, time) FROM cpu WHERE region = 'r2'" },
  { sql: "SELECT * FROM cpu WHERE host = 'nope' ORDER BY time DESC LIMIT 1" },
  { v1: "SELECT last(usage) FROM cpu WHERE host = 'h3'" },
  { v1: "SELECT first(usage) FROM cpu WHERE host = 'h3'" },
  { v1: "SELECT last(system), region FROM cpu WHERE host = 'h5'" },
  { v1: "SELECT last(usage), last(system) FROM cpu WHERE \"host\" = 'h7' AND region = 'r1'" },
  { influxql: "SELECT last(usage) FROM cpu WHERE host = 'h3'" },
  { influxql: "SELECT first(system) FROM cpu WHERE region = 'r0'" },
];

// `n` points for each of 10 series from time `t0`, some without `system`, times distinct across series.
function points(t0: number, n: number): string {
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    for (let s = 0; s < 10; s++) {
      const system = (k + s) % 3 === 0 ? '' : `,system=${k * 10 + s}i`;
      lines.push(`cpu,host=h${s},region=r${s % 4} usage=${k + s / 10}${system} ${(t0 + k) * 100 + s}`);
    }
  }
  return lines.join('\n');
}

describe('integration: last-point statements with and without the last-point index', function () {
  this.timeout(180_000);
  let a: ServerHandle | null = null;
  let b: ServerHandle | null = null;
  after(async () => {
    for (const s of [a, b]) {
      if (!s) continue;
      await s.stop();
      removeDir(s.dataDir);
    }
  });

  const both = async (body: string): Promise<void> => {
    await write(a!, body);
    await write(b!, body);
  };
  const same = async (when: string): Promise<void> => {
    for (const q of QUERIES) {
      const [x, y] = [await answer(a!, q), await answer(b!, q)];
      expect(x, `${when}: ${JSON.stringify(q)}`).to.equal(y);
    }
  };

  it('answers exactly as the unindexed server', async () => {
    a = await startServer();
    b = await startServer({ env: { INFLUXDB3_LAST_POINT_INDEX: 'off' } });
    await both(points(1000, 20));
    await same('after the first writes');
    expect(await answer(a, QUERIES[0]!)).to.match(/^200 \[\{.*"host":"h3"/);

    // Newer points, an out-of-order older one, and a rewrite of the newest point of h3 with only one field.
    await both(points(1020, 5));
    await both('cpu,host=h3,region=r3 usage=-1 1\ncpu,host=h3,region=r3 system=77i 102403');
    await same('after newer, older and rewritten points');

    // Only `usage` in the newest points of h5: last(system) must come from older rows.
    await both('cpu,host=h5,region=r1 usage=9.5 102605\ncpu,host=h5,region=r1 usage=9.75 102705');
    await same('after points without system');

    // The index is in memory: after a restart it is built again from what DuckDB holds.
    const dir = a.dataDir;
    await a.stop();
    a = await startServer({ dataDir: dir });
    await both('cpu,host=h3,region=r3 usage=5.5 102803\ncpu,host=h9,region=r1 usage=0.5 2');
    await same('after a restart');

    // Deleting the table forgets its index; a table of the same name starts again.
    for (const s of [a, b]) {
      const r = await fetch(`${s.url}/api/v3/configure/table?db=${DB}&table=cpu`, { method: 'DELETE' });
      expect(r.status, await r.text()).to.equal(200);
    }
    await same('after the table was deleted');
    await both(points(5, 3));
    await same('after the table was written again');
  });
});
