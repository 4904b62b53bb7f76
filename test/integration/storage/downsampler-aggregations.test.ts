import { expect } from 'chai';
import { startServer, type ServerHandle } from '../../helpers/server-process.js';

// The SQL the upstream downsampler plugin (influxdata/influxdb3_plugins, influxdata/downsampler/downsampler.py:
// generate_fields_string, build_downsample_query) sends for each of the 11 aggregations its README documents,
// checked against the same statistics computed here from the points written.
const AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'count', 'median', 'stddev', 'first_value', 'last_value', 'var', 'approx_median'] as const;
type Aggregation = (typeof AGGREGATIONS)[number];

const DB = 'downsampling';
const START = Date.UTC(2025, 0, 1);
const MINUTE_NS = 60_000_000_000n;
const HOSTS = ['a', 'b'];
// Ten points per host, a minute apart, in two 5-minute windows (odd counts, so the approximate median is exact).
const usage = (h: number, i: number): number => Math.round((Math.sin(i * 1.7 + h) * 40 + 50) * 100) / 100;
const load = (h: number, i: number): number => ((i * 7 + h * 3) % 11) - 4;

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

// Upstream's query text, field by field as generate_fields_string writes it.
function downsampleSql(fields: Array<[string, Aggregation]>, tagFilter: string): string {
  let select = `DATE_BIN(INTERVAL '5 minutes', time, '1970-01-01T00:00:00Z') AS _time,\n \tcount(*) AS record_count,\n \tMIN(time) AS time_from,\n \tMAX(time) AS time_to`;
  for (const [field, agg] of fields) {
    const alias = quoteIdent(`${field}_${agg}`);
    select += ',\n';
    select += agg === 'first_value' || agg === 'last_value' ? `\t${agg}(${quoteIdent(field)} ORDER BY time) as ${alias}` : `\t${agg}(${quoteIdent(field)}) as ${alias}`;
  }
  select += `,\n\t${quoteIdent('host')}`;
  return `
        SELECT
            ${select}
        FROM
            'cpu'
        WHERE
            time >= '2025-01-01T00:00:00Z'
        AND
            time < '2025-01-01T00:10:00Z'
        ${tagFilter}
        GROUP BY
        _time, ${quoteIdent('host')}
    `;
}

function expected(values: number[], agg: Aggregation): number {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sorted = [...values].sort((a, b) => a - b);
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  switch (agg) {
    case 'avg': return mean;
    case 'sum': return values.reduce((a, b) => a + b, 0);
    case 'min': return sorted[0]!;
    case 'max': return sorted[n - 1]!;
    case 'count': return n;
    case 'median':
    case 'approx_median': return sorted[(n - 1) / 2]!;
    case 'stddev': return Math.sqrt(variance);
    case 'var': return variance;
    case 'first_value': return values[0]!;
    case 'last_value': return values[n - 1]!;
  }
}

describe('integration: the downsampler plugin\'s aggregations in the SQL it issues', function () {
  this.timeout(60_000);
  let server: ServerHandle;

  before(async () => {
    server = await startServer();
    // Written out of time order, so first_value/last_value must follow ORDER BY time, not arrival.
    const lines: string[] = [];
    for (let i = 9; i >= 0; i--) {
      HOSTS.forEach((host, h) => lines.push(`cpu,host=${host} usage=${usage(h, i)},load=${load(h, i)}i ${BigInt(START) * 1_000_000n + BigInt(i) * MINUTE_NS}`));
    }
    const res = await fetch(`${server.url}/api/v3/write_lp?db=${DB}&precision=ns`, { method: 'POST', body: lines.join('\n') });
    expect(res.status, await res.text()).to.equal(204);
  });

  after(async () => {
    await server?.stop();
  });

  async function query(sql: string, params?: Record<string, string>): Promise<Array<Record<string, unknown>>> {
    const res = await fetch(`${server.url}/api/v3/query_sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ db: DB, q: sql, format: 'json', ...(params ? { params } : {}) }),
    });
    const text = await res.text();
    expect(res.status, `${text}\n${sql}`).to.equal(200);
    return JSON.parse(text) as Array<Record<string, unknown>>;
  }

  for (const field of ['usage', 'load']) {
    it(`all 11 aggregations of ${field === 'usage' ? 'a float' : 'an integer'} field, per 5-minute window and host`, async () => {
      const rows = await query(downsampleSql(AGGREGATIONS.map((a) => [field, a]), ''));
      expect(rows).to.have.length(4);
      for (const [h, host] of HOSTS.entries()) {
        for (const w of [0, 1]) {
          const windowStart = new Date(START + w * 5 * 60_000).toISOString().replace('.000Z', '');
          const row = rows.find((r) => r.host === host && String(r._time).startsWith(windowStart));
          expect(row, `${host} ${windowStart} in ${JSON.stringify(rows)}`).to.not.equal(undefined);
          expect(row!.record_count).to.equal(5);
          const values = [0, 1, 2, 3, 4].map((k) => (field === 'usage' ? usage(h, w * 5 + k) : load(h, w * 5 + k)));
          for (const agg of AGGREGATIONS) {
            const got = Number(row![`${field}_${agg}`]);
            expect(got, `${field}_${agg} for ${host} at ${windowStart}`).to.be.closeTo(expected(values, agg), 1e-9);
          }
        }
      }
    });
  }

  it('with the tag filter it binds as $tag_val_N parameters', async () => {
    const sql = downsampleSql([['usage', 'avg'], ['usage', 'last_value']], `AND\n\t${quoteIdent('host')} = $tag_val_0\n`);
    const rows = await query(sql, { tag_val_0: 'b' });
    expect(rows.map((r) => r.host)).to.deep.equal(['b', 'b']);
    const lastOfSecondWindow = rows.find((r) => String(r._time).startsWith('2025-01-01T00:05:00'))!;
    expect(lastOfSecondWindow.usage_last_value).to.equal(usage(1, 9));
  });
});
