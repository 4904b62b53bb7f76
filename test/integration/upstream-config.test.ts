import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, type ServerHandle } from '../helpers/server-process.js';

// The packages' launcher run on this checkout (its dist/), as the unit runs it, on a conffile.
function launch(conf: string): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'packaging', 'influxdb3-launcher'), `--root=${ROOT}`, `--config-toml=${conf}`, '--', 'serve'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  return { code: r.status, stderr: r.stderr };
}

const json = (lines: string[]): Array<Record<string, unknown>> =>
  lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

function tokenFile(dir: string): { path: string; token: string } {
  const token = `apiv3_${randomBytes(32).toString('base64url')}`;
  const path = join(dir, 'admin-token.json');
  writeFileSync(path, JSON.stringify({ token, name: '_admin' }), { mode: 0o600 });
  return { path, token };
}

describe('integration: a migrated InfluxDB 3 systemd unit', function () {
  this.timeout(60_000);
  let dir: string;
  let server: ServerHandle | null = null;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'upstream-unit-'))));
  afterEach(async () => {
    await server?.stop();
    server = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with its flags, one WARN naming the ones that do not apply, DuckDB sized by them', async () => {
    const { path, token } = tokenFile(dir);
    // The ExecStart= of an upstream unit (flags after the helper's --http-bind/--object-store/--data-dir).
    server = await startServer({
      withoutAuth: false,
      args: [
        '--node-id', 'node0', '--log-format', 'json', '--disable-telemetry-upload', '--gen1-duration', '10m',
        '--parquet-mem-cache-size', '2000', '--wal-flush-interval', '1s', '--wal-snapshot-size', '600',
        '--snapshotted-wal-files-to-keep', '300', '--exec-mem-pool-bytes', '512', '--num-io-threads', '2',
        '--max-concurrent-queries', '8', '--query-log-size', '500', '--hard-delete-default-duration', '72h',
        '--delete-grace-period', '24h', '--disable-authz', 'health,ping', '--admin-token-file', path,
        '--disable-parquet-mem-cache', '--traces-exporter', 'none',
      ],
      env: { INFLUXDB3_TABLE_INDEX_CACHE_MAX_ENTRIES: '100' },
    });
    const lines = json(server.logs);
    const warns = lines.filter((l) => l.level === 40);
    expect(warns.map((w) => w.msg), server.logs.join('\n')).to.have.length(1);
    const msg = String(warns[0]!.msg);
    expect(msg).to.match(/^7 InfluxDB 3 settings not applicable to influxdb3-engine, ignored: /);
    for (const name of ['--gen1-duration', '--parquet-mem-cache-size', '--wal-snapshot-size', '--snapshotted-wal-files-to-keep',
      '--disable-parquet-mem-cache', '--traces-exporter', 'environment variable INFLUXDB3_TABLE_INDEX_CACHE_MAX_ENTRIES']) {
      expect(msg).to.include(name);
    }
    expect(msg).not.to.include('telemetry');
    const opened = lines.find((l) => l.msg === 'duckdb store opened')!;
    expect(opened.memoryLimit).to.equal('512.0 MiB');
    expect(opened.threads).to.equal(2);
    const auth = { Authorization: `Bearer ${token}` };
    expect((await fetch(`${server.url}/api/v3/write_lp?db=mig`, { method: 'POST', headers: auth, body: 'cpu v=1 1' })).status).to.equal(204);
    const q = await fetch(`${server.url}/api/v3/query_sql?db=mig&q=SELECT%20v%20FROM%20cpu&format=json`, { headers: auth });
    expect(await q.json()).to.deep.equal([{ v: 1 }]);
  });

  it('refuses --object-store s3 before opening anything, saying data stays on this machine', async () => {
    const message = await startServer({ args: ['--object-store', 's3', '--bucket', 'b'] }).then(
      () => 'started',
      (err: Error) => err.message,
    );
    expect(message).to.include("object store 's3' (from --object-store) is not supported: influxdb3-engine stores data on local disk");
  });

  it('packaged conffile: a bad value names the key and the file, an unknown key gets the closest one', () => {
    const conf = join(dir, 'influxdb3-engine.conf');
    writeFileSync(conf, `object-store = "memory"\ngen1-duration = "10m"\nmax-http-request-size = "big"\n`);
    const bad = launch(conf);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include(`invalid value 'big' for config key 'max-http-request-size' in ${conf}: expected a size in bytes`);
    expect(bad.stderr).not.to.include('INFLUXDB3_MAX_HTTP_REQUEST_SIZE');
    writeFileSync(conf, `object-store = "memory"\nretention-check-intervall = "1h"\n`);
    const typo = launch(conf);
    expect(typo.code).to.equal(1);
    expect(typo.stderr).to.include(`unknown key 'retention-check-intervall' in config file ${conf}; did you mean 'retention-check-interval'?`);
  });

  it('serves the lost-token recovery listener until one regeneration', async () => {
    const { path, token } = tokenFile(dir);
    server = await startServer({ withoutAuth: false, args: ['--admin-token-file', path, '--admin-token-recovery-http-bind', '127.0.0.1:0'] });
    const line = json(server.logs).find((l) => String(l.msg).startsWith('admin token recovery endpoint enabled'))!;
    expect(line.level).to.equal(40);
    const recovery = `http://${String(line.address)}`;
    expect((await fetch(`${recovery}/api/v3/query_sql?db=x&q=SELECT%201`)).status).to.equal(404);
    const r = await fetch(`${recovery}/api/v3/configure/token/admin/regenerate`, { method: 'POST' });
    expect(r.status).to.equal(201);
    const body = (await r.json()) as { name: string; token: string };
    expect(body.name).to.equal('_admin');
    expect(body.token).to.match(/^apiv3_/).and.not.equal(token);
    const asOld = await fetch(`${server.url}/api/v3/configure/database?format=json`, { headers: { Authorization: `Bearer ${token}` } });
    expect(asOld.status).to.equal(401);
    const asNew = await fetch(`${server.url}/api/v3/configure/database?format=json`, { headers: { Authorization: `Bearer ${body.token}` } });
    expect(asNew.status).to.equal(200);
    // Closed after one regeneration.
    const again = await fetch(`${recovery}/api/v3/configure/token/admin/regenerate`, { method: 'POST' }).then((x) => x.status, () => 'refused');
    expect(again).to.equal('refused');
  });
});
