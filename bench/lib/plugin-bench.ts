import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { Registry } from 'prom-client';
import { GlobalCache } from '../../src/engine/plugin-cache/global-cache.js';
import { defaultPythonCandidates, findBasePython } from '../../src/engine/environment/find-base-python.js';
import { PluginRunner, type PluginRunnerOptions } from '../../src/engine/runners/plugin-runner.js';
import { RunnerMetrics } from '../../src/engine/runners/runner-metrics.js';
import type { CallHost } from '../../src/engine/runners/call-tracker.js';
import type { PluginCall } from '../../src/ipc/index.js';
import { createLogger } from '../../src/shared/logger.js';

// The interpreter the plugin venv would be built from (a venv python is a symlink to it).
export async function benchPython(): Promise<string> {
  return (await findBasePython(defaultPythonCandidates())).executable;
}

// A temporary plugin directory holding the given files; remove() deletes it.
export function pluginDir(files: Record<string, string>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-plugins-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// A loaded runner as the engine starts one (metrics on, limits as the server defaults); `extra` adds options (a
// sandbox, process limits).
export async function loadedRunner(python: string, dir: string, plugin: string, database = 'bench', extra: Partial<PluginRunnerOptions> = {}): Promise<PluginRunner> {
  const runner = await PluginRunner.start({
    name: `bench:${plugin}`,
    python,
    pluginDir: dir,
    logger: createLogger('silent'),
    globalCache: new GlobalCache(),
    metrics: new RunnerMetrics(new Registry()),
    timeoutMs: 60_000,
    memoryLimitBytes: 1024 * 1024 * 1024,
    ...extra,
  });
  await runner.load({ pluginPath: join(dir, plugin), database });
  return runner;
}

// The floor: a Python loop that unpacks each msgpack request and packs a response, over stdio pipes like a
// runner's (buffered reads: one read(2) per small frame, one write(2) per reply).
const RAW_ECHO = String.raw`
import struct, sys, msgpack
rd, wr = sys.stdin.buffer, sys.stdout.buffer
while True:
    header = rd.read(4)
    if len(header) < 4:
        break
    msg = msgpack.unpackb(rd.read(struct.unpack(">I", header)[0]), raw=False)
    body = msgpack.packb({"type": "response", "id": msg["id"], "result": msg["params"]}, use_bin_type=True)
    wr.write(struct.pack(">I", len(body)) + body)
    wr.flush()
`;

// A raw msgpack echo child; roundTrips() times sequential request/response pairs (ms each).
export class RawEcho {
  private readonly child;
  private readonly packr = new Packr({ useRecords: false, mapsAsObjects: true });
  private pending: Buffer = Buffer.alloc(0);
  private waiter: ((payload: Buffer) => void) | null = null;
  private id = 0;

  constructor(python: string) {
    this.child = spawn(python, ['-c', RAW_ECHO], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      if (this.pending.length < 4) return;
      const len = this.pending.readUInt32BE(0);
      if (this.pending.length < 4 + len) return;
      const payload = this.pending.subarray(4, 4 + len);
      this.pending = this.pending.subarray(4 + len);
      this.waiter?.(payload);
    });
  }

  async roundTrips(n: number, params: unknown): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const body = this.packr.pack({ type: 'request', id: ++this.id, method: 'echo', params });
      const frame = Buffer.allocUnsafe(4 + body.length);
      frame.writeUInt32BE(body.length, 0);
      body.copy(frame, 4);
      const reply = new Promise<Buffer>((resolve) => (this.waiter = resolve));
      this.child.stdin.write(frame);
      this.packr.unpack(await reply);
      times.push(performance.now() - t);
    }
    return times;
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill('SIGKILL');
  }
}

// Median of a list of numbers.
export function median(values: number[]): number {
  const s = sorted(values);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

// Sorted copy, for percentiles.
export function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

// A host that answers the plugin's calls with nothing: activation benchmarks measure the engine, not storage.
export const NOOP_HOST: CallHost = { query: async () => ({ rows: [] }), writeSync: async () => undefined, log: () => undefined };

// `n` sequential calls of the same plugin call; their latencies in ms, sorted.
export async function activationLatencies(runner: PluginRunner, call: PluginCall, n: number): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await runner.call(call, { host: NOOP_HOST });
    lat.push(performance.now() - t);
  }
  return sorted(lat);
}
