import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, type ServerHandle } from '../helpers/server-process.js';

// The metric names and labels of InfluxDB 3's /metrics that dashboards and alerts use, for what this server does.
describe('integration: upstream metric names on /metrics', function () {
  this.timeout(60_000);
  let server: ServerHandle;
  let metrics: string;

  // The value of one series, e.g. value('influxdb3_write_lines_total{db="m"}').
  const value = (series: string): number | undefined => {
    const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  let pluginDir: string;

  before(async () => {
    pluginDir = mkdtempSync(join(tmpdir(), 'influxdb3-metrics-plugins-'));
    server = await startServer({ args: ['--plugin-dir', pluginDir] });
    const post = (path: string, body: string, type = 'text/plain') => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('/api/v3/write_lp?db=m', 'cpu v=1 1\ncpu v=2 2\n')).status).to.equal(204);
    expect((await post('/api/v3/write_lp?db=m&accept_partial=true', 'cpu v=3 3\nbad line\n')).status).to.equal(400);
    expect((await post('/api/v3/query_sql', JSON.stringify({ db: 'm', q: 'SELECT * FROM cpu' }), 'application/json')).status).to.equal(200);
    expect((await post('/api/v3/query_sql', JSON.stringify({ db: 'm', q: 'SELECT * FROM nope' }), 'application/json')).status).to.equal(400);
    expect((await fetch(`${server.url}/api/v3/configure/database`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: 'made' }) })).status).to.be.oneOf([200, 201]);
    metrics = await (await fetch(`${server.url}/metrics`)).text();
  });
  after(async () => {
    await server?.stop();
    rmSync(pluginDir, { recursive: true, force: true });
  });

  it('writes: influxdb3_write_lines_total, _lines_rejected_total and _bytes_total by db', () => {
    expect(value('influxdb3_write_lines_total{db="m"}')).to.equal(3);
    expect(value('influxdb3_write_lines_rejected_total{db="m"}')).to.equal(1);
    expect(value('influxdb3_write_bytes_total{db="m"}')).to.be.greaterThan(0);
  });

  it('HTTP: http_requests_total and http_request_duration_seconds by method, route path and status class', () => {
    expect(value('http_requests_total{method="POST",path="/api/v3/write_lp",status="ok"}')).to.equal(1);
    expect(value('http_requests_total{method="POST",path="/api/v3/write_lp",status="client_error"}')).to.equal(1);
    expect(value('http_requests_total{method="POST",path="/api/v3/query_sql",status="client_error"}')).to.equal(1);
    expect(value('http_request_duration_seconds_count{method="POST",path="/api/v3/query_sql",status="ok"}')).to.equal(1);
  });

  it('queries: the query log\'s phases and durations; catalog operations by type', () => {
    expect(value('influxdb_iox_query_log_phase_entered_total{phase="received"}')).to.equal(2);
    expect(value('influxdb_iox_query_log_phase_entered_total{phase="success"}')).to.equal(1);
    expect(value('influxdb_iox_query_log_phase_entered_total{phase="fail"}')).to.equal(1);
    for (const h of ['end2end', 'execute', 'plan', 'permit']) expect(value(`influxdb_iox_query_log_${h}_duration_seconds_count`), h).to.be.at.least(1);
    expect(value('influxdb_iox_query_log_num_rows_count')).to.equal(1);
    expect(value('influxdb3_catalog_operations_total{type="create_database"}')).to.be.at.least(2);
    expect(value('influxdb3_catalog_operations_total{type="create_table"}')).to.be.at.least(1);
  });

  it('the Grafana dashboard in docs/ uses only series this server exposes', () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs', 'grafana', 'influxdb3-engine.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).to.be.greaterThan(10);
    const exposed = new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    for (const expr of exprs) {
      for (const [name] of expr.matchAll(/\b(?:influxdb3?|influxdb_iox|http|grpc|process)_[a-z0-9_]+/g)) {
        const family = name.replace(/_(bucket|count|sum)$/, '');
        expect(exposed.has(family) || exposed.has(name), `${name} in ${expr}`).to.equal(true);
      }
    }
  });
});
