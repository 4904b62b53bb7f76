import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, removeDir, type ServerHandle } from '../helpers/server-process.js';
import { sendJson } from '../helpers/http.js';
import { pollFor } from '../helpers/poll.js';
import { buildTestVenv } from '../fixtures/plugins/plugin-server.js';
import { pluginSource } from '../fixtures/plugins/sources.js';

// Records every row of `events` it is called with into database `seen` (same timestamp, so a row delivered twice is
// one point): what the trigger saw survives the kills because its writes are acknowledged before its cursor moves.
const RECORDER = pluginSource('wal-trigger-crash', 'recorder.py');

const CYCLES = 20;
const BASE_NS = 1_700_000_000_000_000_000n;

// One sequential writer: batches of 20 unique ids, each line its own timestamp; an id counts once its write got 204.
async function writeUntilKilled(s: ServerHandle, cycle: number, acked: string[], counter: { n: number; killing: boolean }): Promise<void> {
  for (let batch = 0; ; batch++) {
    const ids: string[] = [];
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = `c${cycle}-${batch}-${i}`;
      ids.push(id);
      lines.push(`events,w=a id="${id}" ${BASE_NS + BigInt(counter.n++)}`);
    }
    try {
      const r = await fetch(`${s.url}/api/v3/write_lp?db=src&precision=ns`, { method: 'POST', body: lines.join('\n') });
      if (r.status !== 204) throw new Error(`write answered ${r.status}: ${await r.text()}`);
      acked.push(...ids);
    } catch (err) {
      if (counter.killing) return; // killed mid-request: not acknowledged
      throw err;
    }
  }
}

async function seenIds(s: ServerHandle): Promise<Set<string>> {
  const r = await sendJson(`${s.url}/api/v3/query_sql`, { db: 'seen', q: 'SELECT DISTINCT id FROM seen' });
  if (r.status !== 200) return new Set();
  return new Set((r.json as Array<{ id: string }>).map((row) => row.id));
}

describe('integration: WAL triggers see every acknowledged write across kill -9 (at-least-once)', function () {
  this.timeout(240_000);
  let root = '';
  let dataDir = '';
  let s: ServerHandle | null = null;
  after(async () => {
    await s?.kill();
    if (dataDir) removeDir(dataDir);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it(`${CYCLES} cycles of start, steady writer, SIGKILL at a random moment: every acknowledged row is seen`, async () => {
    root = mkdtempSync(join(tmpdir(), 'influxdb3-wal-crash-'));
    const pluginDir = join(root, 'plugins');
    mkdirSync(pluginDir);
    writeFileSync(join(pluginDir, 'recorder.py'), RECORDER);
    dataDir = join(root, 'data');
    const args = ['--plugin-dir', pluginDir, '--virtual-env-location', await buildTestVenv(join(root, 'venv')), '--wal-flush-interval', '100ms'];
    const acked: string[] = [];
    const counter = { n: 0, killing: false };
    let replays = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      s = await startServer({ dataDir, args });
      if (cycle === 0) {
        expect((await sendJson(`${s.url}/api/v3/configure/database`, { db: 'src' })).status).to.equal(200);
        expect((await sendJson(`${s.url}/api/v3/configure/database`, { db: 'seen' })).status).to.equal(200);
        const created = await sendJson(`${s.url}/api/v3/configure/processing_engine_trigger`, {
          db: 'src',
          plugin_filename: 'recorder.py',
          trigger_name: 'recorder',
          trigger_specification: 'table:events',
          trigger_settings: { run_async: false, error_behavior: 'log' },
          trigger_arguments: null,
          disabled: false,
        });
        expect(created.status, created.text).to.equal(200);
      }
      counter.killing = false;
      const writing = writeUntilKilled(s, cycle, acked, counter);
      await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * 1300))); // the scenario: a kill at a random moment
      counter.killing = true;
      await s.kill();
      await writing;
      if (s.logs.some((l) => l.includes('WAL trigger replaying writes it had not completed'))) replays++;
    }
    const restarted = await startServer({ dataDir, args });
    s = restarted;
    expect(acked.length, 'the writer got acknowledgements').to.be.greaterThan(CYCLES * 20);
    const seen = await pollFor(() => seenIds(restarted), (ids) => acked.every((id) => ids.has(id)), { timeoutMs: 60_000, intervalMs: 250 });
    const missing = acked.filter((id) => !seen.has(id));
    expect(replays, 'restarts that re-delivered writes from the WAL (else this test shows nothing)').to.be.greaterThan(0);
    expect(missing.length, `acknowledged rows never seen by the trigger (of ${acked.length}), e.g. ${missing.slice(0, 5).join(', ')}`).to.equal(0);
  });
});
