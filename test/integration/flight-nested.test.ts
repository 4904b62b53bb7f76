import { expect } from 'chai';
import { startServer, type ServerHandle } from '../helpers/server-process.js';
import { FlightSchemaReader } from '../helpers/flight-schema.js';
import { dataFusionType } from '../helpers/sql-reference.js';

// Nested and binary results over Arrow Flight from the real server: real Arrow List, Map, Struct and Binary
// columns (not text), with the values the HTTP API shows.
const DB = 'nested';
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));

describe('integration: nested result columns over Arrow Flight', function () {
  this.timeout(60_000);
  let server: ServerHandle;
  let flight: FlightSchemaReader;

  before(async () => {
    server = await startServer();
    flight = new FlightSchemaReader(server.url);
    const res = await fetch(`${server.url}/api/v3/write_lp?db=${DB}`, { method: 'POST', body: 'cpu,host=a v=1\ncpu,host=b v=2\n' });
    expect(res.status).to.equal(204);
  });

  after(async () => {
    flight?.close();
    await server?.stop();
  });

  it('sends lists, maps, structs and binary as Arrow types with their values', async () => {
    const sql = `SELECT host, make_array(1, 2) AS l, string_to_array('x,y', ',', 'y') AS s, MAP {'k': v} AS m,
      {'n': 1, 't': host} AS st, arrow_cast(host, 'Binary') AS b,
      generate_series(DATE '2025-03-01', DATE '2025-04-01', INTERVAL '1 month') AS d
      FROM cpu ORDER BY host`;
    const table = await flight.tableOf(DB, sql);
    expect(table.schema.fields.map((f) => dataFusionType(f.type))).to.deep.equal([
      'Dictionary(Int32, Utf8)', 'List(Int64)', 'List(Utf8)', 'Map(Utf8, Float64)', 'Struct(n: Int32, t: Utf8)', 'Binary', 'List(Date32)',
    ]);
    const rows = table.toArray().map((r) => {
      const o = (r as { toJSON(): Record<string, unknown> }).toJSON();
      const list = (v: unknown): unknown => plain([...(v as Iterable<unknown>)]);
      return {
        host: o.host,
        l: list(o.l),
        s: list(o.s),
        m: plain((o.m as { toJSON(): unknown }).toJSON()),
        st: plain((o.st as { toJSON(): unknown }).toJSON()),
        b: Buffer.from(o.b as Uint8Array).toString(),
        d: (list(o.d) as number[]).map((ms) => new Date(ms).toISOString().slice(0, 10)),
      };
    });
    expect(rows).to.deep.equal([
      { host: 'a', l: [1, 2], s: ['x', null], m: { k: 1 }, st: { n: 1, t: 'a' }, b: 'a', d: ['2025-03-01', '2025-04-01'] },
      { host: 'b', l: [1, 2], s: ['x', null], m: { k: 2 }, st: { n: 1, t: 'b' }, b: 'b', d: ['2025-03-01', '2025-04-01'] },
    ]);
  });
});
