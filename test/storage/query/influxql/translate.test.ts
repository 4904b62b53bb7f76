import { expect } from 'chai';
import type { SelectStatement } from '../../../../src/storage/query/influxql/ast.js';
import { conditionSql, schemaOf } from '../../../../src/storage/query/influxql/expr-sql.js';
import { parseInfluxql } from '../../../../src/storage/query/influxql/parser.js';
import { expandFields, planSelect } from '../../../../src/storage/query/influxql/select-plan.js';
import { measurementSql } from '../../../../src/storage/query/influxql/select-sql.js';
import { timeRange } from '../../../../src/storage/query/influxql/time.js';

const schema = schemaOf('cpu', [
  { name: 'host', type: 'tag' },
  { name: 'region', type: 'tag' },
  { name: 'usage', type: 'float64' },
  { name: 'idle', type: 'int64' },
  { name: 'msg', type: 'utf8' },
  { name: 'time', type: 'time' },
]);
const stmt = (q: string) => parseInfluxql(q)[0] as SelectStatement;
const cond = (c: string) => conditionSql(stmt(`SELECT x FROM m WHERE ${c}`).where!, schema, 0n);

function sqlOf(q: string): string {
  const s = stmt(q);
  const plan = planSelect(s, expandFields(s, schema));
  return measurementSql({ stmt: s, plan, schema, range: timeRange(s.where, 0n), nowNs: 0n })!.sql;
}

describe('InfluxQL → DuckDB SQL', () => {
  it('compares tags as strings where a missing tag is empty, with regexes through regexp_matches', () => {
    expect(cond("host = 'a'")).to.equal(`(coalesce("host", '') = 'a')`);
    expect(cond("host != 'a'")).to.equal(`(coalesce("host", '') <> 'a')`);
    expect(cond('host =~ /^a$/')).to.equal(`coalesce(regexp_matches(coalesce("host", ''), '^a$'), FALSE)`);
    expect(cond('host !~ /x/')).to.equal(`NOT coalesce(regexp_matches(coalesce("host", ''), 'x'), TRUE)`);
    expect(cond("nosuch = ''")).to.equal(`('' = '')`);
  });

  it('compares time with constants and fields with values of their own type only', () => {
    expect(cond('time >= 1700000000s AND usage > 2.5')).to.equal(`(("time" >= make_timestamp_ns(1700000000000000000)) AND coalesce("usage" > CAST(2.5 AS DOUBLE), FALSE))`);
    expect(cond('10s > time')).to.equal(`("time" < make_timestamp_ns(10000000000))`);
    expect(cond("usage = 'x'")).to.equal('FALSE');
    expect(cond("msg = 'x' OR idle * 2 > 10")).to.equal(`(coalesce("msg" = 'x', FALSE) OR coalesce(("idle" * 2) > 10, FALSE))`);
  });

  it('builds raw queries with point time, per-series limits pushed down as QUALIFY', () => {
    expect(sqlOf('SELECT usage, host FROM cpu LIMIT 2')).to.equal(
      `SELECT epoch_ns("time") AS __t, "usage" AS __c0, "host" AS __c1 FROM "cpu" WHERE ("usage" IS NOT NULL) ORDER BY "time" ASC, "host", "region" LIMIT 2 OFFSET 0`,
    );
    expect(sqlOf('SELECT usage FROM cpu GROUP BY host ORDER BY time DESC LIMIT 1')).to.equal(
      `SELECT epoch_ns("time") AS __t, coalesce("host", '') AS __g0, "usage" AS __c0 FROM "cpu" WHERE ("usage" IS NOT NULL) QUALIFY row_number() OVER (PARTITION BY __g0 ORDER BY "time" DESC) > 0 AND row_number() OVER (PARTITION BY __g0 ORDER BY "time" DESC) <= 1 ORDER BY "time", "host", "region"`,
    );
  });

  it('builds aggregate queries over epoch-aligned windows with InfluxQL aggregate semantics', () => {
    const sql = sqlOf('SELECT mean(usage), sum(idle), last(msg), percentile(usage, 90) FROM cpu WHERE time >= 0s GROUP BY time(1m, 15s), region');
    expect(sql).to.contain(`(epoch_ns("time") - (((epoch_ns("time") - 15000000000) % 60000000000) + 60000000000) % 60000000000) AS __t`);
    expect(sql).to.contain('avg("usage") AS __c0');
    expect(sql).to.contain('CAST(sum("idle") AS BIGINT) AS __c1');
    expect(sql).to.contain('arg_max("msg", "time") FILTER (WHERE "msg" IS NOT NULL) AS __c2');
    expect(sql).to.contain('list_extract(list_sort(list("usage") FILTER (WHERE "usage" IS NOT NULL)), CAST(floor(count("usage") * CAST(90 AS DOUBLE) / 100 + 0.5) AS BIGINT)) AS __c3');
    expect(sql).to.contain('GROUP BY 1, 2');
  });

  it('picks the selected point (earliest on ties) for a lone selector, with aux fields', () => {
    const sql = sqlOf('SELECT max(usage), host FROM cpu');
    expect(sql).to.contain(`arg_max(struct_pack(v := "usage", t := epoch_ns("time"), a0 := "host"), struct_pack(v := "usage", t := -epoch_ns("time"))) FILTER (WHERE "usage" IS NOT NULL) AS __sel`);
    expect(sql).to.match(/HAVING count\(\*\) > 0$/);
  });

  it('names columns as InfluxQL does and refuses what it cannot mix', () => {
    const names = (q: string) => {
      const s = stmt(q);
      return planSelect(s, expandFields(s, schema)).columns.map((c) => c.name);
    };
    expect(names('SELECT mean(usage), mean(idle), last(msg) AS u, max(usage) - min(usage) FROM cpu')).to.deep.equal(['mean', 'mean_1', 'u', 'max_min']);
    expect(names('SELECT * FROM cpu GROUP BY host')).to.deep.equal(['idle', 'msg', 'region', 'usage']);
    expect(names('SELECT mean(*) FROM cpu')).to.deep.equal(['mean_idle', 'mean_usage']);
    expect(names('SELECT count(/sa|ms/) FROM cpu')).to.deep.equal(['count_msg', 'count_usage']);
    const fails = (q: string) => {
      const s = stmt(q);
      return () => planSelect(s, expandFields(s, schema));
    };
    expect(fails('SELECT usage, mean(usage) FROM cpu')).to.throw('mixing aggregate and non-aggregate queries is not supported');
    expect(fails('SELECT usage FROM cpu GROUP BY time(1m)')).to.throw('GROUP BY requires at least one aggregate function');
    expect(fails('SELECT derivative(mean(usage)) FROM cpu')).to.throw('derivative aggregate requires a GROUP BY interval');
    expect(fails('SELECT bottom(usage, 2) FROM cpu')).to.throw('InfluxQL: bottom() is not supported');
    expect(fails('SELECT nosuch(usage) FROM cpu')).to.throw('undefined function nosuch()');
  });
});

describe('InfluxQL name regexes', () => {
  it('accept RE2 inline flags as dashboards write them', async () => {
    const { nameRegex } = await import('../../../../src/storage/query/influxql/regex.js');
    expect(nameRegex('(?i)^CPU$').test('cpu')).to.equal(true);
    expect(nameRegex('\\Acpu\\z').test('cpu2')).to.equal(false);
    expect(() => nameRegex('(')).to.throw('invalid regular expression /(/');
  });
});
