import {
  Bool,
  DenseUnion,
  Field,
  Int32,
  Int64,
  List,
  makeBuilder,
  makeData,
  Map_,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Uint32,
  Utf8,
  vectorFromArray,
  type Data,
  type DataType,
} from 'apache-arrow';
import { splitIpcStream, type IpcMessage } from './arrow-encoding.js';

type InfoValue = { string: string } | { bool: boolean } | { int32: number };

// CommandGetSqlInfo's answers (ids of the SqlInfo enum in format/FlightSql.proto): a read-only SQL server without
// transactions, Substrait or query cancellation through Flight SQL, DDL or catalogs beyond `public`.
export function sqlInfoValues(serverVersion: string): Map<number, InfoValue> {
  return new Map<number, InfoValue>([
    [0, { string: 'influxdb3-engine' }], // FLIGHT_SQL_SERVER_NAME
    [1, { string: serverVersion }], // FLIGHT_SQL_SERVER_VERSION
    [3, { bool: true }], // FLIGHT_SQL_SERVER_READ_ONLY
    [4, { bool: true }], // FLIGHT_SQL_SERVER_SQL
    [5, { bool: false }], // FLIGHT_SQL_SERVER_SUBSTRAIT
    [8, { int32: 0 }], // FLIGHT_SQL_SERVER_TRANSACTION: none
    [9, { bool: false }], // FLIGHT_SQL_SERVER_CANCEL
    [500, { bool: false }], // SQL_DDL_CATALOG
    [501, { bool: false }], // SQL_DDL_SCHEMA
    [502, { bool: false }], // SQL_DDL_TABLE
    [504, { string: '"' }], // SQL_IDENTIFIER_QUOTE_CHAR
  ]);
}

// The union members, in the specification's order (type id = index).
const MEMBERS: Field[] = [
  new Field('string_value', new Utf8(), true),
  new Field('bool_value', new Bool(), true),
  new Field('bigint_value', new Int64(), true),
  new Field('int32_bitmask', new Int32(), true),
  new Field('string_list', new List(new Field('item', new Utf8(), true)), true),
  new Field(
    'int32_to_int32_list_map',
    new Map_<Int32, List<Int32>>(
      new Field('entries', new Struct<{ key: Int32; value: List<Int32> }>([new Field('key', new Int32(), false), new Field('value', new List(new Field('item', new Int32(), true)), true)]), false),
      false,
    ),
    true,
  ),
];

const VALUE_TYPE = new DenseUnion([0, 1, 2, 3, 4, 5], MEMBERS);

// The schema the specification gives: info_name uint32 not null, value dense_union<…> not null.
export const SQL_INFO_SCHEMA = new Schema([new Field('info_name', new Uint32(), false), new Field('value', VALUE_TYPE, false)]);

function emptyData(type: DataType): Data {
  const builder = makeBuilder({ type, nullValues: [null] });
  return builder.finish().flush();
}

// The record batch answering a CommandGetSqlInfo: the requested ids (all known ones when none is named), in order.
export function sqlInfoMessages(values: Map<number, InfoValue>, requested: number[]): IpcMessage[] {
  const ids = (requested.length > 0 ? requested.filter((id) => values.has(id)) : [...values.keys()]).sort((a, b) => a - b);
  const strings: string[] = [];
  const bools: boolean[] = [];
  const ints: number[] = [];
  const typeIds = new Int8Array(ids.length);
  const offsets = new Int32Array(ids.length);
  ids.forEach((id, i) => {
    const v = values.get(id)!;
    if ('string' in v) [typeIds[i], offsets[i]] = [0, strings.push(v.string) - 1];
    else if ('bool' in v) [typeIds[i], offsets[i]] = [1, bools.push(v.bool) - 1];
    else [typeIds[i], offsets[i]] = [3, ints.push(v.int32) - 1];
  });
  const children = [
    vectorFromArray(strings, new Utf8()).data[0]!,
    vectorFromArray(bools, new Bool()).data[0]!,
    emptyData(new Int64()),
    vectorFromArray(ints, new Int32()).data[0]!,
    emptyData(MEMBERS[4]!.type),
    emptyData(MEMBERS[5]!.type),
  ];
  const value = makeData({ type: VALUE_TYPE, length: ids.length, nullCount: 0, typeIds, valueOffsets: offsets, children });
  const name = vectorFromArray(ids, new Uint32()).data[0]!;
  const batch = new RecordBatch(SQL_INFO_SCHEMA, makeData({ type: new Struct(SQL_INFO_SCHEMA.fields), length: ids.length, nullCount: 0, children: [name, value] }));
  return splitIpcStream(tableToIPC(new Table([batch]), 'stream'));
}

// The specification's schema as FlightInfo.schema carries it.
export function sqlInfoSchemaBytes(): Uint8Array {
  const { header } = splitIpcStream(tableToIPC(new Table(SQL_INFO_SCHEMA), 'stream'))[0]!;
  const prefix = Buffer.alloc(8);
  prefix.writeInt32LE(-1, 0);
  prefix.writeInt32LE(header.length, 4);
  return Buffer.concat([prefix, header]);
}
