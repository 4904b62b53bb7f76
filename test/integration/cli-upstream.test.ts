import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BIN, runCli, startServer, type ServerHandle } from '../helpers/server-process.js';

// Upstream's CLI commands against the real server.
describe('integration: the CLI commands upstream has', function () {
  this.timeout(60_000);
  let server: ServerHandle;
  let dir: string;
  before(async () => {
    server = await startServer({ objectStore: 'memory' });
    dir = mkdtempSync(join(tmpdir(), 'cli-upstream-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = (args: string[], input?: string) => runCli([...args, '--host', server.url], input);

  it('update database -r changes what show retention prints; -r none makes it infinite', async () => {
    expect((await cli(['create', 'database', 'ret_db'])).code).to.equal(0);
    let r = await cli(['update', 'database', '-d', 'ret_db', '-r', '7d']);
    expect(r).to.deep.include({ code: 0, stdout: 'Database "ret_db" updated successfully\n' });
    r = await cli(['show', 'retention', '--database', 'ret_db', '--format', 'json']);
    expect(JSON.parse(r.stdout)).to.deep.equal([{ database_name: 'ret_db', retention_period: '7d' }]);
    expect((await cli(['update', 'database', '-d', 'ret_db', '-r', 'none'])).code).to.equal(0);
    r = await cli(['show', 'retention', '--database', 'ret_db', '--format', 'json']);
    expect(JSON.parse(r.stdout)).to.deep.equal([{ database_name: 'ret_db', retention_period: 'infinite' }]);
  });

  it('`w` splits a file into requests and stores every line; `q` reads the query from stdin', async () => {
    const file = join(dir, 'cpu.lp');
    writeFileSync(file, Array.from({ length: 200 }, (_, i) => `cpu,host=h${i} usage=${i} 1700000000000000000\n`).join(''));
    const w = await cli(['w', '-d', 'lp_db', '-f', file, '--max-request-size', '1000']);
    expect(w.code, w.stderr).to.equal(0);
    const progress = w.stderr.trim().split('\n');
    expect(progress.length).to.be.greaterThan(5);
    expect(progress.at(-1)).to.match(new RegExp(`: ${progress.length} requests \\(.*\\), 200 lines \\(`));
    const q = await cli(['q', '-d', 'lp_db', '--format', 'json'], 'SELECT count(*) AS n FROM cpu');
    expect(q.code, q.stderr).to.equal(0);
    expect(JSON.parse(q.stdout)).to.deep.equal([{ n: 200 }]);
  });

  it('a partial write says how many lines the server stored', async () => {
    const r = await cli(['write', '-q', '-d', 'partial_db', 'm,t=a v=1 1\nnot line protocol\nm,t=b v=2 2\n']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^Error: partial write: 2 of 3 lines stored, 1 refused:\n {2}line 2: .+\(not line protocol\)\n$/);
    const q = await cli(['query', '-d', 'partial_db', '--format', 'json', 'SELECT t FROM m ORDER BY t']);
    expect(JSON.parse(q.stdout)).to.deep.equal([{ t: 'a' }, { t: 'b' }]);
  });

  it('create table without --tags, fields with -f', async () => {
    expect((await cli(['create', 'database', 'tbl_db'])).code).to.equal(0);
    const r = await cli(['create', 'table', '-d', 'tbl_db', '-f', 'v:int64,ok:bool', 'plain']);
    expect(r).to.deep.include({ code: 0, stdout: 'Table "tbl_db"."plain" created successfully\n' });
    const q = await cli(['query', '-d', 'tbl_db', '--format', 'json', "SELECT column_name FROM information_schema.columns WHERE table_name = 'plain' ORDER BY column_name"]);
    expect(JSON.parse(q.stdout)).to.deep.equal([{ column_name: 'ok' }, { column_name: 'time' }, { column_name: 'v' }]);
  });

  it('show s table-list gives each system table\'s column_names', async () => {
    const r = await cli(['show', 's', '-d', 'lp_db', 'table-list', '--format', 'json']);
    expect(r.code, r.stderr).to.equal(0);
    const rows = JSON.parse(r.stdout) as Array<{ table_name: string; column_names: string[] }>;
    expect(rows.map((x) => x.table_name)).to.include.members(['queries', 'processing_engine_triggers']);
    expect(rows.find((x) => x.table_name === 'queries')!.column_names).to.include.members(['query_text', 'issue_time', 'success']);
  });
});

describe('integration: bare `influxdb3` is upstream\'s quick start', function () {
  this.timeout(60_000);

  it('serves with auth on, a file store under ~/.influxdb and the node id <hostname>-node, and says so', async () => {
    const home = mkdtempSync(join(tmpdir(), 'quick-start-home-'));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, INFLUXDB3_HTTP_BIND_ADDR: '127.0.0.1:0', LOG_FILTER: 'info' };
    for (const k of Object.keys(env)) if (/^INFLUXDB3_(NODE|DB_DIR|DATA_DIR|OBJECT_STORE|CONFIG_FILE|START_WITHOUT_AUTH)/.test(k)) delete env[k];
    const child = spawn(process.execPath, [BIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const m = /127\.0\.0\.1:(\d+)/.exec(line);
          if (m && line.includes('listening')) resolve(Number(m[1]));
        });
        void exited.then((code) => reject(new Error(`quick start exited with ${code}: ${stderr}`)));
        // before mocha's timeout, so `finally` stops the server
        setTimeout(() => reject(new Error(`quick start did not listen in 40 s: ${stderr}`)), 40_000).unref();
      });
      expect(stderr).to.include(`Using auto-generated node id: ${hostname()}-node. For production deployments, explicitly set --node-id\n`);
      expect(existsSync(join(home, '.influxdb'))).to.equal(true);
      const res = await fetch(`http://127.0.0.1:${port}/api/v3/configure/database?format=json`);
      expect(res.status, 'auth is on, as upstream').to.equal(401);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(home, { recursive: true, force: true });
    }
  });
});
