import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { detectSandbox } from '../../src/engine/runners/sandbox/detect-sandbox.js';
import { startPluginServer, type PluginServer } from '../fixtures/plugins/plugin-server.js';
import { pollFor } from '../helpers/poll.js';

// Live processes named `marker` (the probe plugin names its children with PR_SET_NAME).
function marked(marker: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status)) continue;
      if (/^Name:\s+(.*)$/m.exec(status)?.[1] === marker) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

// Killing is asynchronous: poll until none is left (or the deadline), then report what is left.
async function survivors(marker: string, deadlineMs = 5_000): Promise<number[]> {
  return pollFor(() => marked(marker), (left) => left.length === 0, { timeoutMs: deadlineMs, intervalMs: 50 });
}

// The daemon names itself a moment after the call returned: wait until all `n` are there.
async function running(marker: string, n: number): Promise<number[]> {
  return pollFor(() => marked(marker), (found) => found.length >= n, { timeoutMs: 5_000, intervalMs: 20 });
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

let seq = 0;
const newMarker = () => `sbx${process.pid % 10000}x${++seq}`;

async function createTrigger(s: PluginServer, name: string, settings: Record<string, unknown> = {}): Promise<void> {
  const r = await s.post('/api/v3/configure/processing_engine_trigger', {
    db: 'sbx',
    trigger_name: name,
    plugin_filename: 'sandbox/sandbox_probe.py',
    trigger_specification: `request:${name}`,
    trigger_settings: { run_async: false, error_behavior: 'log', ...settings },
    disabled: false,
  });
  expect(r.status, r.text).to.equal(200);
}

async function call(s: PluginServer, name: string, query: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.url}/api/v3/engine/${name}?${new URLSearchParams(query)}`);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: an error text
  }
  return { status: res.status, body };
}

async function disable(s: PluginServer, name: string): Promise<void> {
  const res = await fetch(`${s.url}/api/v3/configure/processing_engine_trigger/disable?db=sbx&trigger_name=${name}`, { method: 'POST' });
  expect(res.status).to.equal(200);
}

async function remove(s: PluginServer, name: string): Promise<void> {
  const res = await fetch(`${s.url}/api/v3/configure/processing_engine_trigger?db=sbx&trigger_name=${name}&force=true`, { method: 'DELETE' });
  expect(res.status).to.equal(200);
}

describe('integration: plugin sandbox (bwrap per runner, limits, kill semantics)', function () {
  this.timeout(60_000);
  let skipReason: string | null = null;

  before(async function () {
    const caps = await detectSandbox('auto');
    if (!caps.bwrap) skipReason = `bwrap cannot sandbox runners here: ${caps.bwrapReason}`;
    else if (!caps.userNamespace && process.getuid?.() !== 0) skipReason = `no user namespaces: ${caps.userNamespaceReason}`;
  });

  describe('--plugin-sandbox auto', () => {
    let s: PluginServer;
    const leftovers: number[] = [];
    before(async function () {
      if (skipReason) this.skip();
      s = await startPluginServer({ args: ['--plugin-timeout', '3s'] });
      await s.write('sbx', 'm v=1i');
    });
    after(async () => {
      killAll(leftovers);
      await s?.stop();
    });

    it('logs one line at start naming each protection', async () => {
      await createTrigger(s, 'started');
      await call(s, 'started', { action: 'probe', server_pid: String(s.server.child.pid), data_dir: s.server.dataDir });
      const lines = s.server.logs.filter((l) => l.includes('"msg":"plugin sandbox '));
      expect(lines, 'exactly one sandbox line').to.have.length(1);
      expect(lines[0]).to.match(/plugin sandbox auto, level bwrap,/);
      expect(lines[0]).to.include('kill: whole PID namespace');
    });

    it("the plugin cannot read the server's environ, list the data dir, read the catalog, signal the server, or write its plugin dir", async () => {
      await createTrigger(s, 'probe');
      const r = await call(s, 'probe', { action: 'probe', server_pid: String(s.server.child.pid), data_dir: s.server.dataDir });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.environ).not.to.equal('ok');
      expect(r.body.data_dir).to.equal('FileNotFoundError');
      expect(r.body.catalog).to.equal('FileNotFoundError');
      expect(r.body.signal_server).to.equal('ProcessLookupError');
      expect(r.body.write_plugin_dir).to.match(/OSError|PermissionError/);
      expect(r.body.tmp).to.equal('ok');
    });

    it('shows the sandbox level and the last kill reason in system.processing_engine_trigger_stats', async () => {
      await createTrigger(s, 'levelled');
      await call(s, 'levelled', { action: 'probe', server_pid: '1', data_dir: '/nonexistent' });
      const rows = await s.query('sbx', "SELECT trigger_name, sandbox, last_kill_reason FROM system.processing_engine_trigger_stats WHERE trigger_name = 'levelled'");
      expect(rows[0].sandbox).to.match(/^bwrap,/);
      expect(rows[0].last_kill_reason ?? null).to.equal(null);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).to.match(/influxdb3_plugin_runner_sandbox\{trigger="[^"]*levelled[^"]*",level="bwrap,[^"]+"\} 1/);
    });

    for (const [how, end] of [
      ['disabled', disable],
      ['deleted', remove],
    ] as const) {
      it(`forked children and a setsid daemon die when the trigger is ${how}`, async () => {
        const name = `fork_${how}`;
        const marker = newMarker();
        await createTrigger(s, name);
        const r = await call(s, name, { marker });
        expect(r.status, JSON.stringify(r.body)).to.equal(200);
        expect(await running(marker, 4), 'children and daemon running').to.have.length(4);
        await end(s, name);
        const left = await survivors(marker);
        leftovers.push(...left);
        expect(left, 'survivors').to.deep.equal([]);
      });
    }

    it('forked children and a setsid daemon die when the call times out, and the kill names the limit', async () => {
      const marker = newMarker();
      await createTrigger(s, 'fork_timeout');
      const r = await call(s, 'fork_timeout', { marker, hang: '1' });
      expect(r.status).to.equal(500);
      expect(JSON.stringify(r.body)).to.include('timed out after 3000 ms');
      const left = await survivors(marker);
      leftovers.push(...left);
      expect(left, 'survivors').to.deep.equal([]);
      const rows = await s.query('sbx', "SELECT last_kill_reason FROM system.processing_engine_trigger_stats WHERE trigger_name = 'fork_timeout'");
      expect(rows[0].last_kill_reason).to.match(/^timeout: plugin execution timed out after 3000 ms/);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).to.match(/influxdb3_plugin_limit_kills_total\{trigger="[^"]*fork_timeout[^"]*",limit="timeout"\} 1/);
    });
  });

  describe('--plugin-sandbox off (fallback: process group kill + PR_SET_PDEATHSIG)', () => {
    let s: PluginServer;
    const leftovers: number[] = [];
    before(async () => {
      s = await startPluginServer({ args: ['--plugin-sandbox', 'off', '--plugin-timeout', '3s'] });
      await s.write('sbx', 'm v=1i');
    });
    after(async () => {
      killAll(leftovers);
      await s?.stop();
    });

    it('says at start that the sandbox is off', async () => {
      await createTrigger(s, 'off_probe');
      await call(s, 'off_probe', { action: 'probe', server_pid: '1', data_dir: '/nonexistent' });
      expect(s.server.logs.some((l) => l.includes('plugin sandbox: off (--plugin-sandbox off)'))).to.equal(true);
      const rows = await s.query('sbx', "SELECT sandbox FROM system.processing_engine_trigger_stats WHERE trigger_name = 'off_probe'");
      expect(rows[0].sandbox).to.equal('none (--plugin-sandbox off)');
    });

    for (const [how, end] of [
      ['disabled', disable],
      ['deleted', remove],
    ] as const) {
      it(`forked children (same process group) die when the trigger is ${how}`, async () => {
        const name = `off_${how}`;
        const marker = newMarker();
        await createTrigger(s, name);
        const r = await call(s, name, { marker });
        expect(r.status, JSON.stringify(r.body)).to.equal(200);
        const before = await running(marker, 4);
        expect(before).to.have.length(4);
        await end(s, name);
        // The setsid daemon left the group: only the sandbox's PID namespace (or a cgroup) can reach it.
        const left = await survivors(marker, 2_000);
        leftovers.push(...left);
        expect(left.length, 'only the setsid daemon may survive').to.be.at.most(1);
      });
    }

    it('forked children die when the call times out', async () => {
      const marker = newMarker();
      await createTrigger(s, 'off_timeout');
      const r = await call(s, 'off_timeout', { marker, hang: '1' });
      expect(r.status).to.equal(500);
      const left = await survivors(marker, 2_000);
      leftovers.push(...left);
      expect(left.length, 'only the setsid daemon may survive').to.be.at.most(1);
    });
  });
});
