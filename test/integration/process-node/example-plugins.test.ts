import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestVenv } from '../../fixtures/plugins/plugin-server.js';
import { sendJson } from '../../helpers/http.js';
import { pollFor } from '../../helpers/poll.js';
import { ROOT, startServer, type ServerHandle } from '../../helpers/server-process.js';
import { sql, startUpstream, type Upstream } from './process-node-helpers.js';

// The example plugins shipped in plugins/, unchanged, on a process node: each kind of trigger reads through the
// node (WAL rows it acknowledged, plugin queries answered by the upstream) and its writes land on the upstream.
const MINUTE_NS = 60_000_000_000n;

describe('integration: the example plugins run unchanged on a process node', function () {
  this.timeout(90_000);
  let up: Upstream;
  let node: ServerHandle;
  let root: string;

  const write = async (db: string, lp: string) => {
    const res = await fetch(`${node.url}/api/v3/write_lp?db=${db}&precision=nanosecond`, { method: 'POST', body: lp });
    expect(res.status, await res.text()).to.equal(204);
  };
  // Rows on the upstream (the node keeps no table data of its own); [] while the table does not exist there yet.
  const upstreamRows = (db: string, q: string) => pollFor(() => sql(up.server.url, db, q, up.token).catch(() => [] as any[]), (r) => r.length > 0, { timeoutMs: 20_000 });
  const createTrigger = async (db: string, name: string, file: string, spec: string, args: Record<string, string> | null) => {
    const r = await sendJson(`${node.url}/api/v3/configure/processing_engine_trigger`, {
      db, plugin_filename: file, trigger_name: name, trigger_specification: spec,
      trigger_settings: { run_async: false, error_behavior: 'log' }, trigger_arguments: args, disabled: false,
    });
    expect(r.status, r.text).to.equal(200);
  };
  const errors = async (db: string, trigger: string) =>
    (await sql(node.url, db, `SELECT log_text FROM system.processing_engine_logs WHERE trigger_name = '${trigger}' AND log_level = 'ERROR'`)).map((r) => r.log_text);

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'process-node-examples-'));
    const venv = await buildTestVenv(join(root, 'venv'));
    up = await startUpstream();
    node = await startServer({
      args: ['--mode', 'process', '--plugin-dir', join(ROOT, 'plugins'), '--virtual-env-location', venv, '--upstream-url', up.server.url, '--upstream-token-file', up.tokenFile],
    });
  });
  after(async () => {
    await node?.stop();
    await up?.server.stop();
    for (const dir of [node?.dataDir, up?.server.dataDir, root]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('wal_summary.py on all_tables: its summary of the node\'s writes lands on the upstream', async () => {
    await sendJson(`${node.url}/api/v3/configure/database`, { db: 'pn_wal' });
    await createTrigger('pn_wal', 'summarise', 'wal_summary.py', 'all_tables', null);
    await write('pn_wal', 'cpu,host=a usage=1 300\ncpu,host=b usage=2 100\nmem free=3i 50');
    const rows = await pollFor(
      () => sql(up.server.url, 'pn_wal', 'SELECT table_name, row_count, min_time, max_time FROM write_summary ORDER BY table_name', up.token).catch(() => [] as any[]),
      (r) => r.length >= 2,
      { timeoutMs: 20_000 },
    );
    expect(rows).to.deep.equal([
      { table_name: 'cpu', row_count: 2, min_time: 100, max_time: 300 },
      { table_name: 'mem', row_count: 1, min_time: 50, max_time: 50 },
    ]);
    expect(await errors('pn_wal', 'summarise')).to.deep.equal([]);
  });

  it('downsampler.py on every:1s: it queries the upstream and its averages land there', async () => {
    const base = (BigInt(Date.now()) * 1_000_000n / MINUTE_NS - 3n) * MINUTE_NS;
    const at = (s: number) => (base + BigInt(s) * 1_000_000_000n).toString();
    await write('pn_ds', [`cpu,host=a usage=1.0 ${at(1)}`, `cpu,host=a usage=3.0 ${at(10)}`, `cpu,host=b usage=10.0 ${at(5)}`].join('\n'));
    // The source rows are upstream before the plugin first looks for them.
    await pollFor(() => sql(up.server.url, 'pn_ds', 'SELECT count(*) AS n FROM cpu', up.token).catch(() => [{ n: 0 }]), (r) => r[0]?.n === 3, { timeoutMs: 20_000 });
    await createTrigger('pn_ds', 'cpu_1m', 'downsampler.py', 'every:1s', { source_table: 'cpu', fields: 'usage', window: '1m', lookback: '10m' });
    const rows = await pollFor(
      () => sql(up.server.url, 'pn_ds', 'SELECT host, usage, time FROM cpu_1m ORDER BY host', up.token).catch(() => [] as any[]),
      (r) => r.length >= 2,
      { timeoutMs: 20_000 },
    );
    const minute = new Date(Number(base / 1_000_000n)).toISOString().slice(0, 19);
    expect(rows).to.deep.equal([
      { host: 'a', usage: 2.0, time: minute },
      { host: 'b', usage: 10.0, time: minute },
    ]);
    expect(await errors('pn_ds', 'cpu_1m')).to.deep.equal([]);
  });

  it('webhook.py on request:ingest: the points it is posted land on the upstream; a bad item gives 400', async () => {
    await sendJson(`${node.url}/api/v3/configure/database`, { db: 'pn_hook' });
    await createTrigger('pn_hook', 'ingest', 'webhook.py', 'request:ingest', null);
    const send = (body: unknown) => fetch(`${node.url}/api/v3/engine/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await send([
      { measurement: 'home', tags: { room: 'kitchen' }, fields: { temp: 21.5, door_open: false }, time: 2000 },
      { measurement: 'home', tags: { room: 'hall' }, fields: { temp: 19.5 }, time: 3000 },
    ]);
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.deep.equal({ written: 2 });
    const rows = await upstreamRows('pn_hook', 'SELECT room, temp, door_open FROM home ORDER BY time');
    expect(rows).to.deep.equal([
      { room: 'kitchen', temp: 21.5, door_open: false },
      { room: 'hall', temp: 19.5 },
    ]);
    const bad = await send([{ measurement: 'home', fields: {} }]);
    expect(bad.status).to.equal(400);
    expect(await bad.json()).to.deep.equal({ error: "item 0: 'fields' must be a non-empty object", item: 0 });
  });
});
