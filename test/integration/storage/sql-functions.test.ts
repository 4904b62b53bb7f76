import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT, startServer, type ServerHandle } from '../../helpers/server-process.js';
import { FlightSchemaReader } from '../../helpers/flight-schema.js';
import { compareRows, compareTypes, csvHeader, dataFusionType, isOrdered, type ReferenceCase } from '../../helpers/sql-reference.js';

// Every function of InfluxDB 3 Core's SQL reference, run with its documented example over /api/v3/query_sql and
// checked against the documented result (or, where the docs have none or used data not shipped here, the result
// DataFusion gives; each case names its source). Functions listed in pending.json are known not to match yet: they
// must still fail, so the list cannot go stale.
const FIXTURES = join(ROOT, 'test', 'fixtures', 'sql-functions');
const DB = 'sqlref';
const cases = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8')) as ReferenceCase[];
const pending = new Set(JSON.parse(readFileSync(join(FIXTURES, 'pending.json'), 'utf8')) as string[]);

const keyOf = (c: ReferenceCase): string => `${c.category}: ${c.name}`;
const byFunction = new Map<string, ReferenceCase[]>();
for (const c of cases) byFunction.set(keyOf(c), [...(byFunction.get(keyOf(c)) ?? []), c]);

async function query(url: string, sql: string, format: 'json' | 'csv'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/api/v3/query_sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ db: DB, q: sql, format }),
  });
  return { status: res.status, text: await res.text() };
}

// What differs between one documented example and the server's answer; empty when it matches.
async function check(server: ServerHandle, flight: FlightSchemaReader, c: ReferenceCase): Promise<string[]> {
  const json = await query(server.url, c.sql, 'json');
  if (json.status !== 200) return [`error: HTTP ${json.status}: ${json.text.slice(0, 300)}`];
  const csv = await query(server.url, c.sql, 'csv');
  if (csv.status !== 200) return [`error: csv HTTP ${csv.status}: ${csv.text.slice(0, 300)}`];
  // JSON rows leave NULL columns out, so the CSV header gives the column order.
  const header = csv.text.trim() === '' ? [] : csvHeader(csv.text);
  const objects = JSON.parse(json.text) as Array<Record<string, unknown>>;
  const rows = objects.map((o) => header.map((h) => o[h] ?? null));
  const problems: string[] = [];
  const width = c.expected.columns?.length ?? c.expected.rows[0]?.length;
  if (width !== undefined && header.length > 0 && header.length !== width) {
    problems.push(`columns: expected ${width} columns, got ${header.length} ${JSON.stringify(header)}`);
    return problems;
  }
  c.expected.columns?.forEach((name, i) => {
    if (name !== null && header[i] !== name) problems.push(`columns: column ${i} expected "${name}", got "${header[i]}"`);
  });
  problems.push(...compareRows(c.expected.rows, rows, isOrdered(c.sql)));
  if (c.expected.types) {
    try {
      const schema = await flight.schemaOf(DB, c.sql);
      problems.push(...compareTypes(c.expected.types, schema.fields.map((f) => dataFusionType(f.type))));
    } catch (err) {
      problems.push(`types: ${(err as Error).message}`);
    }
  }
  return problems;
}

describe('integration: SQL functions of the InfluxDB 3 Core reference', function () {
  this.timeout(60_000);
  let server: ServerHandle;
  let flight: FlightSchemaReader;
  const outcomes = new Map<string, string[]>();

  before(async () => {
    server = await startServer();
    flight = new FlightSchemaReader(server.url);
    const dir = join(FIXTURES, 'datasets');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.lp')).sort()) {
      const res = await fetch(`${server.url}/api/v3/write_lp?db=${DB}&precision=ns`, { method: 'POST', body: readFileSync(join(dir, file)) });
      expect(res.status, `writing ${file}: ${await res.text()}`).to.equal(204);
    }
  });

  after(async () => {
    flight?.close();
    await server?.stop();
    const passing = [...outcomes.values()].filter((p) => p.length === 0).length;
    console.log(`SQL reference functions: ${passing}/${byFunction.size} supported (${outcomes.size} run)`);
    // SQL_FUNCTIONS_REPORT=<file> writes what differs for each function, to plan the work.
    const report = process.env.SQL_FUNCTIONS_REPORT;
    if (report) writeFileSync(report, JSON.stringify(Object.fromEntries(outcomes), null, 1) + '\n');
  });

  it('pending.json names only functions of the reference', () => {
    expect([...pending].filter((k) => !byFunction.has(k))).to.deep.equal([]);
  });

  for (const [key, examples] of byFunction) {
    it(key, async () => {
      const problems: string[] = [];
      for (const [i, c] of examples.entries()) {
        for (const p of await check(server, flight, c)) problems.push(examples.length > 1 ? `example ${i + 1}: ${p}` : p);
      }
      outcomes.set(key, problems);
      if (pending.has(key)) {
        if (problems.length === 0) throw new Error(`${key} now passes: remove it from test/fixtures/sql-functions/pending.json`);
      } else if (problems.length > 0) {
        throw new Error(`${key} differs from the reference:\n${problems.join('\n')}\nSQL: ${examples.map((c) => c.sql).join('\n---\n')}`);
      }
    });
  }
});
