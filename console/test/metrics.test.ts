import { expect } from 'chai';
import { formatBytes, formatDuration, parseMetrics, rate, serverFigures } from '../src/metrics.js';

describe('console/metrics: the Server page figures from /metrics', () => {
  const text = [
    '# HELP influxdb3_write_lines_total Lines written',
    '# TYPE influxdb3_write_lines_total counter',
    'influxdb3_write_lines_total{db="a"} 10',
    'influxdb3_write_lines_total{db="b",note="x y"} 5',
    'influxdb3_query_duration_seconds_bucket{le="0.1"} 3',
    'influxdb3_query_duration_seconds_sum 0.5',
    'influxdb3_query_duration_seconds_count 4',
    'process_start_time_seconds 1000',
    'process_resident_memory_bytes 2097152',
    'weird_metric NaN',
    '',
  ].join('\n');

  it('sums each metric over its label sets and skips comments and non-numbers', () => {
    const t = parseMetrics(text);
    expect(t.get('influxdb3_write_lines_total')).to.equal(15);
    expect(t.get('influxdb3_query_duration_seconds_count')).to.equal(4);
    expect(t.has('weird_metric')).to.equal(false);
  });

  it('derives uptime, memory, counts and means; missing metrics are null', () => {
    const f = serverFigures(parseMetrics(text), 1090);
    expect(f).to.include({ uptimeSeconds: 90, rssBytes: 2097152, writeLines: 15, queries: 4, meanQueryMs: 125, meanFsyncMs: null, httpRequests: null });
  });

  it('rates between readings, none across a restart or before a second reading', () => {
    expect(rate(10, 30, 4)).to.equal(5);
    expect(rate(undefined, 30, 4)).to.equal(null);
    expect(rate(30, 10, 4)).to.equal(null);
    expect(rate(10, 30, 0)).to.equal(null);
  });

  it('formats durations and sizes', () => {
    expect([formatDuration(59), formatDuration(3661), formatDuration(90061)]).to.deep.equal(['0m 59s', '1h 1m', '1d 1h 1m']);
    expect([formatBytes(512), formatBytes(2097152)]).to.deep.equal(['512 B', '2.0 MiB']);
  });
});
