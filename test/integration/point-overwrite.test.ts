import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, removeDir, type ServerHandle } from '../helpers/server-process.js';

// InfluxDB semantics: a point is (measurement, tag set, time); writing it again replaces it field by field.
async function write(s: ServerHandle, body: string): Promise<void> {
  const r = await fetch(`${s.url}/api/v3/write_lp?db=pts&precision=s`, { method: 'POST', body });
  expect(r.status, await r.clone().text()).to.equal(204);
}

async function query(s: ServerHandle, q: string): Promise<unknown[]> {
  const r = await fetch(`${s.url}/api/v3/query_sql?db=pts&q=${encodeURIComponent(q)}&format=json`);
  expect(r.status, await r.clone().text()).to.equal(200);
  return (await r.json()) as unknown[];
}

describe('integration: writing a point again replaces it', function () {
  this.timeout(120_000);
  let s: ServerHandle | null = null;
  let dataDir = '';
  after(async () => {
    await s?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it('keeps one row per point over HTTP, across restarts and a full WAL replay', async () => {
    s = await startServer();
    dataDir = s.dataDir;

    // Across two requests: the last value wins.
    await write(s, 'm,host=a v=1 10');
    await write(s, 'm,host=a v=2 10');
    expect(await query(s, 'SELECT * FROM m')).to.deep.equal([{ host: 'a', v: 2, time: '1970-01-01T00:00:10' }]);

    // A partial write keeps the fields it does not carry.
    await write(s, 'm,host=a w=3 10');
    expect(await query(s, 'SELECT host, v, w FROM m')).to.deep.equal([{ host: 'a', v: 2, w: 3 }]);

    // Within one request, next to other series, other times and a row without the tag.
    await write(s, ['m,host=b v=10 10', 'm,host=a v=4 10', 'm v=20 10', 'm,host=b w=11 10', 'm,host=a v=5 11', 'm v=21 10'].join('\n'));
    const all = 'SELECT host, v, w, CAST(time AS VARCHAR) AS t FROM m ORDER BY t, host NULLS FIRST';
    const expected = [
      { v: 21, t: '1970-01-01T00:00:10' },
      { host: 'a', v: 4, w: 3, t: '1970-01-01T00:00:10' },
      { host: 'b', v: 10, w: 11, t: '1970-01-01T00:00:10' },
      { host: 'a', v: 5, t: '1970-01-01T00:00:11' },
    ];
    expect(await query(s, all)).to.deep.equal(expected);

    // Many series rewritten at once (the merge path over stored rows).
    await write(s, Array.from({ length: 300 }, (_, i) => `many,host=h${i} v=${i} 100`).join('\n'));
    await write(s, Array.from({ length: 300 }, (_, i) => `many,host=h${i} v=${i} 101`).join('\n'));
    await write(s, Array.from({ length: 300 }, (_, i) => `many,host=h${i} w=${-i} 100`).join('\n'));
    const many = 'SELECT count(*) AS n, count(w) AS nw, sum(v) AS sv FROM many';
    expect(await query(s, many)).to.deep.equal([{ n: 600, nw: 300, sv: 2 * 44850 }]);

    // Clean restart: nothing changes.
    await s.stop();
    s = await startServer({ dataDir });
    expect(await query(s, all)).to.deep.equal(expected);

    // A crash after the writes were applied: DuckDB's own log plus the applied WAL sequence.
    await write(s, 'm,host=a w=6 10');
    expected[1] = { host: 'a', v: 4, w: 6, t: '1970-01-01T00:00:10' };
    expect(await query(s, all)).to.deep.equal(expected);
    await s.kill();
    s = await startServer({ dataDir });
    expect(await query(s, all)).to.deep.equal(expected);
    await s.stop();

    // Without its DuckDB file the server rebuilds every table from the WAL, one record at a time.
    rmSync(join(dataDir, 'duckdb'), { recursive: true, force: true });
    s = await startServer({ dataDir });
    const replay = s.logs.find((l) => l.includes('wal replay started'));
    expect(JSON.parse(replay!).toApply, 'every write replayed').to.equal(8);
    expect(await query(s, all)).to.deep.equal(expected);
    expect(await query(s, many)).to.deep.equal([{ n: 600, nw: 300, sv: 2 * 44850 }]);

    // A deleted table can be written again from scratch.
    const del = await fetch(`${s.url}/api/v3/configure/table?db=pts&table=m`, { method: 'DELETE' });
    expect(del.status).to.equal(200);
    await write(s, 'm,host=a v=7 10');
    await write(s, 'm,host=a v=8 10');
    expect(await query(s, 'SELECT host, v FROM m')).to.deep.equal([{ host: 'a', v: 8 }]);
  });
});
