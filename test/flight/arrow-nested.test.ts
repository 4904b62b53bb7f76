import { expect } from 'chai';
import { RecordBatchReader, type Schema, type Vector } from 'apache-arrow';
import { ArrowEncoder } from '../../src/flight/arrow-encoding.js';
import { arrowTypeOf, nestedColumnType } from '../../src/flight/arrow-nested.js';
import { dataFusionType } from '../helpers/sql-reference.js';

// Encodes rows the way a Flight DoGet sends them and reads them back with apache-arrow's IPC reader.
function roundTrip(columns: Array<{ name: string; type: string }>, rows: unknown[][]): { schema: Schema; rows: unknown[][] } {
  const encoder = new ArrowEncoder(columns);
  const messages = [encoder.schemaMessage(), ...encoder.batchMessages(rows)];
  const chunks: Buffer[] = [];
  for (const m of messages) {
    const prefix = Buffer.alloc(8);
    prefix.writeInt32LE(-1, 0);
    prefix.writeInt32LE(m.header.length, 4);
    chunks.push(prefix, Buffer.from(m.header), Buffer.from(m.body));
  }
  const reader = RecordBatchReader.from(Buffer.concat(chunks)).open();
  const schema = reader.schema;
  const out: unknown[][] = [];
  for (const batch of reader) {
    for (let i = 0; i < batch.numRows; i++) out.push(batch.schema.fields.map((_, c) => batch.getChildAt(c)!.get(i)));
  }
  return { schema, rows: out };
}

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));

describe('flight/arrow-nested: List, Map, Struct and Binary columns as Arrow', () => {
  it('types nested columns from their type names, element types included', () => {
    const names = ['List(Int64)', 'List(List(Int32))', 'Map(Utf8, Int64)', 'Struct(a Int64, b Utf8)', 'Binary', 'List(Timestamp(Nanosecond, None))', 'List(Date32)'];
    expect(names.map((n) => dataFusionType(nestedColumnType(n)!))).to.deep.equal([
      'List(Int64)', 'List(List(Int32))', 'Map(Utf8, Int64)', 'Struct(a: Int64, b: Utf8)', 'Binary', 'List(Timestamp(Nanosecond, None))', 'List(Date32)',
    ]);
    expect(nestedColumnType('Int64')).to.equal(undefined);
    expect(dataFusionType(arrowTypeOf('Struct(my field Timestamp(Microsecond, Some("UTC")))'))).to.equal('Struct(my field: Timestamp(Microsecond, Some("UTC")))');
  });

  it('sends list values with null lists and null items', () => {
    const { schema, rows } = roundTrip([{ name: 'l', type: 'List(Int64)' }, { name: 's', type: 'List(Utf8)' }], [
      [[1n, null, 3n], ['abc', null]],
      [null, []],
      [[], null],
    ]);
    expect(schema.fields.map((f) => dataFusionType(f.type))).to.deep.equal(['List(Int64)', 'List(Utf8)']);
    expect(rows.map((r) => r.map((v) => (v === null ? null : plain([...(v as Iterable<unknown>)]))))).to.deep.equal([
      [[1, null, 3], ['abc', null]],
      [null, []],
      [[], null],
    ]);
  });

  it('sends lists of lists, timestamps in their unit and dates as days', () => {
    const { rows } = roundTrip(
      [{ name: 'nested', type: 'List(List(Int32))' }, { name: 'ts', type: 'List(Timestamp(Microsecond, None))' }, { name: 'd', type: 'List(Date32)' }],
      [[[[1, 2], [3]], [1_000_000_000n], ['2025-03-01']]],
    );
    const [nested, ts, d] = rows[0]! as Array<Iterable<unknown>>;
    expect([...nested!].map((x) => [...(x as Iterable<unknown>)])).to.deep.equal([[1, 2], [3]]);
    // One second, stored as microseconds.
    expect([...(ts as Vector).data[0]!.values]).to.deep.equal([1_000_000n]);
    // Arrow's JS reader gives Date32 values as epoch milliseconds.
    expect([...d!].map((x) => new Date(x as number).toISOString())).to.deep.equal(['2025-03-01T00:00:00.000Z']);
  });

  it('sends maps with typed keys, structs, and binary from hex', () => {
    const { schema, rows } = roundTrip(
      [{ name: 'm', type: 'Map(Int64, Utf8)' }, { name: 's', type: 'Struct(a Int64, b Utf8)' }, { name: 'b', type: 'Binary' }],
      [
        [{ '1': 'x', '20': null }, { a: 5n, b: 'hi' }, 'cafe'],
        [null, null, null],
      ],
    );
    expect(schema.fields.map((f) => dataFusionType(f.type))).to.deep.equal(['Map(Int64, Utf8)', 'Struct(a: Int64, b: Utf8)', 'Binary']);
    const [m, s, b] = rows[0]!;
    expect(plain((m as { toJSON(): unknown }).toJSON())).to.deep.equal({ '1': 'x', '20': null });
    expect(plain((s as { toJSON(): unknown }).toJSON())).to.deep.equal({ a: 5, b: 'hi' });
    expect(Buffer.from(b as Uint8Array).toString('hex')).to.equal('cafe');
    expect(rows[1]).to.deep.equal([null, null, null]);
  });

  it("keeps Flight SQL's create_params items non-null (a metadata column, its nullability given) but query lists' items nullable", () => {
    const items = (nullable?: boolean): boolean => new ArrowEncoder([{ name: 'p', type: 'List(Utf8)', ...(nullable === undefined ? {} : { nullable }) }]).schema.fields[0]!.type.children[0]!.nullable;
    expect(items(true)).to.equal(false);
    expect(items()).to.equal(true);
  });

  it('names a binary value that is not hex', () => {
    expect(() => roundTrip([{ name: 'b', type: 'Binary' }], [['xyz']])).to.throw(/binary value is not hex: xyz/);
  });
});
