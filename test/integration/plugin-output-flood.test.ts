import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestVenv } from '../fixtures/plugins/plugin-server.js';
import { removeDir, startServer, type ServerHandle } from '../helpers/server-process.js';
import { sendJson } from '../helpers/http.js';
import { pollFor } from '../helpers/poll.js';

// A plugin printing 100 MB must not flood the server's log (docs/security.md, "Output"): the runner's output is
// rate-limited per trigger with a "N lines / M bytes dropped" summary, and the server keeps answering meanwhile.
const LINES = 1_000_000;
const FLOOD = `import sys

def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):
    block = ("FLOOD " + "x" * 93 + "\\n") * 10000
    for _ in range(${LINES / 10_000}):
        sys.stdout.write(block)
    sys.stdout.flush()
    return {"printed": ${LINES}}
`;

const bytesOf = (lines: string[], from = 0): number => lines.slice(from).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);

describe('integration: a plugin printing 100 MB', function () {
  this.timeout(180_000);
  let root: string;
  let server: ServerHandle;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'output-flood-'));
    const pluginDir = join(root, 'plugins');
    await mkdir(pluginDir);
    await writeFile(join(pluginDir, 'flood.py'), FLOOD);
    const venv = await buildTestVenv(join(root, 'venv'));
    server = await startServer({ args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv] });
    expect((await sendJson(`${server.url}/api/v3/configure/database`, { db: 'flood' })).status).to.equal(200);
    const created = await sendJson(`${server.url}/api/v3/configure/processing_engine_trigger`, {
      db: 'flood', trigger_name: 'flood', plugin_filename: 'flood.py', trigger_specification: 'request:flood', trigger_settings: {}, disabled: false,
    });
    expect(created.status, created.text).to.equal(200);
  });

  after(async () => {
    await server?.stop();
    if (server) removeDir(server.dataDir);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('grows the server log by under 5 MB, says what it dropped, and /health answers during the flood', async () => {
    const logStart = server.logs.length;
    let floodDone = false;
    const flood = fetch(`${server.url}/api/v3/engine/flood`).then(async (res) => {
      const text = await res.text();
      floodDone = true;
      return { status: res.status, text };
    });
    let healthDuringFlood = 0;
    while (!floodDone) {
      const res = await fetch(`${server.url}/health`);
      await res.text();
      if (res.status === 200 && !floodDone) healthDuringFlood++;
    }
    const answer = await flood;
    expect(answer.status, answer.text).to.equal(200);
    expect(JSON.parse(answer.text)).to.deep.equal({ printed: LINES });
    expect(healthDuringFlood, '/health answers while the plugin floods').to.be.greaterThan(0);

    // Every printed line is either logged or counted in a dropped summary; wait until all are accounted for.
    const accounted = (): { logged: number; dropped: number; summaries: number } => {
      let logged = 0;
      let dropped = 0;
      let summaries = 0;
      for (const line of server.logs.slice(logStart)) {
        if (line.includes('"msg":"FLOOD ')) logged++;
        const m = /"droppedLines":(\d+)/.exec(line);
        if (m) {
          dropped += Number(m[1]);
          summaries++;
        }
      }
      return { logged, dropped, summaries };
    };
    await pollFor(accounted, (a) => a.logged + a.dropped >= LINES, { timeoutMs: 60_000 });
    const { logged, dropped, summaries } = accounted();
    expect(logged + dropped, 'printed lines logged or counted as dropped').to.equal(LINES);
    expect(summaries).to.be.greaterThan(0);
    expect(server.logs.slice(logStart).some((l) => /\d+ lines \/ \d+ bytes dropped/.test(l)), 'a dropped summary line').to.equal(true);
    const grown = bytesOf(server.logs, logStart);
    expect(grown, `server log grew by ${grown} bytes`).to.be.lessThan(5 * 1024 * 1024);
    // One compact log line per printed line that got through, labelled with the trigger and the runner's pid.
    const sample = server.logs.slice(logStart).find((l) => l.includes('"msg":"FLOOD '))!;
    expect(JSON.parse(sample)).to.include.keys('runner', 'runnerPid');
  });
});
