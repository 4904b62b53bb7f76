import { expect } from 'chai';
import {
  Bool, Dictionary, Field, Float64, Int32, Int64, RecordBatchReader, Schema, Table, TimeUnit, Timestamp, Utf8, makeData, RecordBatch, Struct, tableToIPC, vectorFromArray,
} from 'apache-arrow';
import { arrowTypeName, columnsOfSchema, rowSourceOfArrow, rowsOfBatch } from '../../src/upstream/arrow-row-source.js';

// A batch as InfluxDB 3 sends one: a tag as a dictionary, int, float (whole values included), string, bool fields
// with nulls, and the time column in nanoseconds.
function influxBatch(): RecordBatch {
  const n = 3;
  const tag = vectorFromArray(['a', 'b', 'a'], new Dictionary(new Utf8(), new Int32()));
  const ints = vectorFromArray([1n, null, 9007199254740993n], new Int64());
  const floats = vectorFromArray([2, 2.5, null], new Float64());
  const strings = vectorFromArray(['x', null, 'z'], new Utf8());
  const bools = vectorFromArray([true, false, null], new Bool());
  const time = makeData({ type: new Timestamp(TimeUnit.NANOSECOND), length: n, data: new BigInt64Array([1700000000000000001n, 1700000001000000000n, -1n]) });
  const fields = [
    new Field('host', tag.type, true), new Field('v', ints.type, true), new Field('f', floats.type, true),
    new Field('s', strings.type, true), new Field('b', bools.type, true), new Field('time', time.type, false),
  ];
  const schema = new Schema(fields);
  const data = makeData({ type: new Struct(fields), length: n, nullCount: 0, children: [tag.data[0]!, ints.data[0]!, floats.data[0]!, strings.data[0]!, bools.data[0]!, time] });
  return new RecordBatch(schema, data);
}

describe('upstream/arrow-row-source', () => {
  it('names the columns as the local query path does', () => {
    expect(columnsOfSchema(influxBatch().schema)).to.deep.equal([
      { name: 'host', type: 'Dictionary(Int32, Utf8)' },
      { name: 'v', type: 'Int64' },
      { name: 'f', type: 'Float64' },
      { name: 's', type: 'Utf8' },
      { name: 'b', type: 'Boolean' },
      { name: 'time', type: 'Timestamp(Nanosecond, None)' },
    ]);
    expect(arrowTypeName(new Timestamp(TimeUnit.MICROSECOND, 'UTC'))).to.equal('Timestamp(Microsecond, Some("UTC"))');
  });

  it('gives the values the local path gives: bigint ints (exact past 2^53), number floats, bigint ns timestamps, nulls', () => {
    expect(rowsOfBatch(influxBatch())).to.deep.equal([
      ['a', 1n, 2, 'x', true, 1700000000000000001n],
      ['b', null, 2.5, null, false, 1700000001000000000n],
      ['a', 9007199254740993n, null, 'z', null, -1n],
    ]);
  });

  it('scales timestamps of other units to nanoseconds', () => {
    const time = makeData({ type: new Timestamp(TimeUnit.MILLISECOND), length: 1, data: new BigInt64Array([1700000000123n]) });
    const fields = [new Field('t', time.type, false)];
    const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 1, nullCount: 0, children: [time] }));
    expect(rowsOfBatch(batch)).to.deep.equal([[1700000000123000000n]]);
  });

  it('reads an IPC stream a batch at a time, skipping empty batches', async () => {
    const batch = influxBatch();
    const empty = batch.slice(0, 0);
    const bytes = tableToIPC(new Table([batch, empty, batch]), 'stream');
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 100) yield bytes.subarray(i, i + 100);
    }
    const reader = await RecordBatchReader.from(chunks());
    await reader.open();
    const source = rowSourceOfArrow(reader);
    expect(source.columns.map((c) => c.type)).to.include('Dictionary(Int32, Utf8)');
    const pieces: unknown[][][] = [];
    for (let rows = await source.next(); rows; rows = await source.next()) pieces.push(rows);
    expect(pieces.map((p) => p.length)).to.deep.equal([3, 3]);
    expect(pieces[1]![2]).to.deep.equal(['a', 9007199254740993n, null, 'z', null, -1n]);
  });
});
