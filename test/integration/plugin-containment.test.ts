import { expect } from 'chai';
import { pluginLogs, runnerPids, startPluginServer, waitForNoRunners, type PluginServer } from '../fixtures/plugins/plugin-server.js';
import { pollFor } from '../helpers/poll.js';

// A plugin that crashes, loops forever, eats memory or prints to stdout is contained and reported, and the server
// keeps serving writes, queries and other dry runs.
describe('integration: plugin containment (--plugin-timeout 2s, --plugin-memory-limit 200MB)', function () {
  this.timeout(30_000);
  let s: PluginServer;
  let written = 0;
  before(async () => {
    s = await startPluginServer({ args: ['--plugin-timeout', '2s', '--plugin-memory-limit', '200MB'] });
  });
  after(async () => {
    const left = await waitForNoRunners(s.pluginDir);
    await s.stop();
    expect(left, 'runners left behind').to.deep.equal([]);
  });

  const run = (filename: string) => s.wal({ filename, database: 'contain', input_lp: 'cpu v=1i' });

  // After each misbehaving plugin: writes, queries and a healthy dry run still work, and no runner is left.
  afterEach(async () => {
    written++;
    await s.write('contain', `health n=${written}i ${written}`);
    const rows = await s.query('contain', 'SELECT count(*) AS n FROM health');
    expect(Number(rows[0].n)).to.equal(written);
    const ok = await s.wal({ filename: 'wal_basic.py', database: 'contain', input_lp: 'cpu v=1i', input_arguments: { arg1: 'still alive' } });
    expect(ok.errors).to.deep.equal([]);
    expect(pluginLogs(ok)[0]).to.equal('INFO: arg1: still alive');
    expect(await waitForNoRunners(s.pluginDir)).to.deep.equal([]);
  });

  it('a plugin that calls os._exit(3) fails its run with the exit code', async () => {
    const r = await run('containment/exit3.py');
    expect(r.errors).to.have.length(1);
    expect(r.errors[0]).to.match(/^error executing plugin: plugin runner exited with code 3 during the call/);
    expect(r.error_details[0].log_lines).to.deep.equal(['INFO: about to exit']);
  });

  it('a plugin that loops forever is killed at the timeout, naming the limit', async () => {
    const started = Date.now();
    const r = await run('containment/loop.py');
    expect(r.errors).to.deep.equal(['error executing plugin: plugin execution timed out after 2000 ms (--plugin-timeout)']);
    expect(Date.now() - started, 'not before the 2 s limit').to.be.at.least(1_900);
  });

  it('a plugin that allocates past the memory limit is killed, naming the limit and the resident set', async () => {
    const r = await run('containment/memory_hog.py');
    expect(r.errors).to.have.length(1);
    expect(r.errors[0]).to.match(
      /^error executing plugin: plugin runner exceeded the memory limit of 190\.7 MiB \(--plugin-memory-limit\): resident set was \d+\.\d MiB$/,
    );
  });

  it('a plugin that prints to stdout cannot corrupt the frame stream; its output goes to the server log', async () => {
    const r = await run('containment/prints.py');
    expect(r.errors).to.deep.equal([]);
    expect(pluginLogs(r)).to.deep.equal(['INFO: after printing']);
    const logged = (text: string) => s.server.logs.some((l) => l.includes(text));
    await pollFor(() => logged('hello from print() in a plugin') && logged('garbage written to fd 1'), Boolean, { timeoutMs: 3_000, intervalMs: 50 });
    expect(logged('hello from print() in a plugin')).to.equal(true);
    expect(logged('garbage written to fd 1')).to.equal(true);
  });

  it('many misbehaving runs at once leave the server responsive', async () => {
    const runs = Promise.all([run('containment/exit3.py'), run('containment/exit3.py'), run('containment/prints.py')]);
    await s.write('contain', 'during x=1i');
    const results = await runs;
    expect(results.map((r) => r.errors.length)).to.deep.equal([1, 1, 0]);
    expect(runnerPids(s.pluginDir).length).to.be.at.most(3);
  });
});
