import { expect } from 'chai';
import { Packr } from 'msgpackr';
import { encodeQueryResult, encodeTableBatches, numberKindFor } from '../../../src/ipc/protocol/plugin-data.js';
import { PluginValueWriter } from '../../../src/ipc/codec/plugin-value-writer.js';
import { pluginTableBatches } from '../../helpers/table-batches.js';

const unpack = (b: Buffer) => new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'bigint' }).unpack(b);

describe('ipc/protocol/plugin-data', () => {
  it('encodes WAL rows with floats as float64 even when integral, ints and time as int64', () => {
    const bytes = encodeTableBatches([
      { tableName: 'cpu', rows: [{ host: 'A', usage: 1n, system: 2, ok: true, time: 100n }] },
      { tableName: 'mem', rows: [] },
    ]);
    expect(pluginTableBatches(bytes)).to.deep.equal([
      { table_name: 'cpu', rows: [{ host: 'A', usage: 1, system: 2, ok: true, time: 100 }] },
      { table_name: 'mem', rows: [] },
    ]);
    // The float 2 travels as float64 (0xcb), so Python sees 2.0.
    expect(bytes.includes(Buffer.from([0xcb, 0x40, 0x00, 0, 0, 0, 0, 0, 0]))).to.equal(true);
  });

  it('sends runs of rows with the same columns as one column list and value arrays, in row order', () => {
    const a = (i: number) => ({ host: `h${i}`, usage: i + 0.5, time: BigInt(i) });
    const b = (i: number) => ({ host: `h${i}`, free: BigInt(i), time: BigInt(i) });
    const rows = [a(0), a(1), a(2), a(3), b(4), b(5), b(6), b(7), a(8), a(9), a(10), a(11)];
    const bytes = encodeTableBatches([{ tableName: 'cpu', rows }]);
    const fragments = unpack(unpack(bytes)) as Array<{ table_name: string; columns?: string[]; rows: unknown[][] }>;
    expect(fragments.map((f) => [f.table_name, f.columns, f.rows.length])).to.deep.equal([
      ['cpu', ['host', 'usage', 'time'], 4],
      ['cpu', ['host', 'free', 'time'], 4],
      ['cpu', ['host', 'usage', 'time'], 4],
    ]);
    expect(fragments[1]!.rows[0]).to.deep.equal(['h4', 4, 4]);
    expect(pluginTableBatches(bytes)).to.deep.equal([
      { table_name: 'cpu', rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]))) },
    ]);
  });

  it('sends a table whose rows change columns every few rows as row maps, keys in each row\'s order', () => {
    const rows = Array.from({ length: 10 }, (_, i) => (i % 2 ? { time: BigInt(i), v: i + 0.5 } : { v: i + 0.5, time: BigInt(i) }));
    const bytes = encodeTableBatches([{ tableName: 'm', rows }]);
    const fragments = unpack(unpack(bytes)) as Array<Record<string, unknown>>;
    expect(fragments).to.have.length(1);
    expect(fragments[0]).to.not.have.property('columns');
    expect(Object.keys(pluginTableBatches(bytes)[0]!.rows[1]!)).to.deep.equal(['time', 'v']);
    expect(Object.keys(pluginTableBatches(bytes)[0]!.rows[2]!)).to.deep.equal(['v', 'time']);
  });

  it('encodes query results columnar, integers per column type, NULLs kept', () => {
    const bytes = encodeQueryResult({
      columns: [{ name: 'n', type: 'Int32' }, { name: 'f', type: 'Float64' }, { name: 'time', type: 'Timestamp(Nanosecond, None)' }, { name: 's', type: 'Utf8' }],
      rows: [[3, 1, 5n, null], [null, 0.5, 6n, 'é']],
    });
    expect(unpack(bytes)).to.deep.equal({ columns: ['n', 'f', 'time', 's'], rows: [[3, 1, 5, null], [null, 0.5, 6, 'é']] });
    expect(numberKindFor('Dictionary(Int32, Utf8)')).to.equal('float');
    expect(numberKindFor('UInt64')).to.equal('int');
    expect(numberKindFor('Decimal128(38, 0)')).to.equal('int');
  });

  it('writes every msgpack size class and grows its buffer', () => {
    const w = new PluginValueWriter(8);
    const long = 'x'.repeat(70_000);
    const value = {
      small: [0, -1, -33, 127, 128, 2 ** 40, -(2 ** 40)],
      sizes: [255, 256, 65_535, 65_536, 2 ** 32 - 1, -128, -129, -32_768, -32_769, -(2 ** 31), 3n, -(2n ** 31n) - 1n],
      big: [2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n],
      strings: ['', 'a'.repeat(31), 'b'.repeat(200), 'c'.repeat(300), long, 'ünï'],
      bin: [Buffer.alloc(3, 1), Buffer.alloc(300, 2), Buffer.alloc(70_000, 3)],
      arr: new Array(20).fill(true),
      map: new Map([['k', null]]),
      none: undefined,
    };
    w.value(value, 'int');
    const out = unpack(w.finish());
    expect(out.small).to.deep.equal([0, -1, -33, 127, 128, 2n ** 40n, -(2n ** 40n)]);
    expect(out.sizes).to.deep.equal([255, 256, 65_535, 65_536, 2 ** 32 - 1, -128, -129, -32_768, -32_769, -(2 ** 31), 3, -(2n ** 31n) - 1n]);
    expect(out.big).to.deep.equal([2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n]);
    expect(out.strings).to.deep.equal(value.strings);
    expect(out.bin.map((b: Buffer) => b.length)).to.deep.equal([3, 300, 70_000]);
    expect(out.arr).to.have.length(20);
    expect(out.map).to.deep.equal({ k: null });
    expect(out.none).to.equal(null);
  });
});
