import type { ArrowColumn } from './arrow-encoding.js';
import { ArrowEncoder } from './arrow-encoding.js';
import {
  CommandGetCatalogs,
  CommandGetDbSchemas,
  CommandGetExportedKeys,
  CommandGetImportedKeys,
  CommandGetPrimaryKeys,
  CommandGetTables,
  CommandGetTableTypes,
  CommandGetXdbcTypeInfo,
  typeUrl,
} from './proto/messages.js';
import type protobuf from 'protobufjs';

// Runs a SQL query on the request's database (information_schema) and gives its rows.
export type CatalogQuery = (sql: string) => Promise<unknown[][]>;

interface MetadataCommand {
  type: protobuf.Type;
  // The result columns the Flight SQL specification gives for the command.
  columns(cmd: Record<string, unknown>): ArrowColumn[];
  rows(cmd: Record<string, unknown>, query: CatalogQuery): Promise<unknown[][]>;
}

const utf8 = (name: string, nullable = true): ArrowColumn => ({ name, type: 'Utf8', nullable });
const CATALOG = 'public';

const KEY_COLUMNS: ArrowColumn[] = [
  utf8('pk_catalog_name'), utf8('pk_db_schema_name'), utf8('pk_table_name', false), utf8('pk_column_name', false),
  utf8('fk_catalog_name'), utf8('fk_db_schema_name'), utf8('fk_table_name', false), utf8('fk_column_name', false),
  { name: 'key_sequence', type: 'Int32', nullable: false }, utf8('fk_key_name'), utf8('pk_key_name'),
  { name: 'update_rule', type: 'UInt8', nullable: false }, { name: 'delete_rule', type: 'UInt8', nullable: false },
];

// A Flight SQL filter pattern (LIKE: % any run, _ one character) as a whole-string matcher; absent matches all.
export function likePattern(pattern: unknown): (value: string) => boolean {
  if (typeof pattern !== 'string') return () => true;
  const source = [...pattern].map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  const re = new RegExp(`^${source}$`, 's');
  return (value) => re.test(value);
}

const catalogMatches = (cmd: Record<string, unknown>): boolean => typeof cmd.catalog !== 'string' || cmd.catalog === CATALOG;

async function tables(query: CatalogQuery): Promise<Array<{ schema: string; name: string; type: string }>> {
  const rows = await query('SELECT table_schema, table_name, table_type FROM information_schema.tables');
  return rows
    .map((r) => ({ schema: String(r[0]), name: String(r[1]), type: String(r[2]) }))
    .sort((a, b) => a.schema.localeCompare(b.schema) || a.name.localeCompare(b.name));
}

// The IPC schema of every iox table, for CommandGetTables with include_schema.
async function tableSchemas(query: CatalogQuery): Promise<Map<string, Uint8Array>> {
  const rows = await query('SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns ORDER BY table_schema, table_name, ordinal_position');
  const columns = new Map<string, ArrowColumn[]>();
  for (const r of rows) {
    const key = `${String(r[0])}.${String(r[1])}`;
    if (!columns.has(key)) columns.set(key, []);
    columns.get(key)!.push({ name: String(r[2]), type: String(r[3]) });
  }
  return new Map([...columns].map(([k, cols]) => [k, new ArrowEncoder(cols).encapsulatedSchema()]));
}

const EMPTY_SCHEMA = new ArrowEncoder([]).encapsulatedSchema();

const COMMANDS: MetadataCommand[] = [
  {
    type: CommandGetCatalogs,
    columns: () => [utf8('catalog_name', false)],
    rows: async () => [[CATALOG]],
  },
  {
    type: CommandGetDbSchemas,
    columns: () => [utf8('catalog_name'), utf8('db_schema_name', false)],
    rows: async (cmd, query) => {
      if (!catalogMatches(cmd)) return [];
      const match = likePattern(cmd.db_schema_filter_pattern);
      const schemas = [...new Set((await tables(query)).map((t) => t.schema))].filter(match).sort();
      return schemas.map((s) => [CATALOG, s]);
    },
  },
  {
    type: CommandGetTables,
    columns: (cmd) => [
      utf8('catalog_name'), utf8('db_schema_name'), utf8('table_name', false), utf8('table_type', false),
      ...(cmd.include_schema ? [{ name: 'table_schema', type: 'Binary', nullable: false }] : []),
    ],
    rows: async (cmd, query) => {
      if (!catalogMatches(cmd)) return [];
      const schemaMatch = likePattern(cmd.db_schema_filter_pattern);
      const nameMatch = likePattern(cmd.table_name_filter_pattern);
      const types = Array.isArray(cmd.table_types) && cmd.table_types.length > 0 ? new Set(cmd.table_types as string[]) : null;
      const list = (await tables(query)).filter((t) => schemaMatch(t.schema) && nameMatch(t.name) && (types === null || types.has(t.type)));
      const schemas = cmd.include_schema ? await tableSchemas(query) : null;
      return list.map((t) => [CATALOG, t.schema, t.name, t.type, ...(schemas ? [schemas.get(`${t.schema}.${t.name}`) ?? EMPTY_SCHEMA] : [])]);
    },
  },
  {
    type: CommandGetTableTypes,
    columns: () => [utf8('table_type', false)],
    rows: async (_cmd, query) => [...new Set((await tables(query)).map((t) => t.type))].sort().map((t) => [t]),
  },
  {
    // InfluxDB tables have no primary or foreign keys: the results are empty, with the specification's schemas.
    type: CommandGetPrimaryKeys,
    columns: () => [utf8('catalog_name'), utf8('db_schema_name'), utf8('table_name', false), utf8('column_name', false), utf8('key_name'), { name: 'key_sequence', type: 'Int32', nullable: false }],
    rows: async () => [],
  },
  { type: CommandGetExportedKeys, columns: () => KEY_COLUMNS, rows: async () => [] },
  { type: CommandGetImportedKeys, columns: () => KEY_COLUMNS, rows: async () => [] },
];

const int32 = (name: string, nullable = true): ArrowColumn => ({ name, type: 'Int32', nullable });
const bool = (name: string, nullable = true): ArrowColumn => ({ name, type: 'Boolean', nullable });

const XDBC_COLUMNS: ArrowColumn[] = [
  utf8('type_name', false), int32('data_type', false), int32('column_size'), utf8('literal_prefix'), utf8('literal_suffix'),
  { name: 'create_params', type: 'List(Utf8)', nullable: true }, int32('nullable', false), bool('case_sensitive', false),
  int32('searchable', false), bool('unsigned_attribute'), bool('fixed_prec_scale', false), bool('auto_increment'),
  utf8('local_type_name'), int32('minimum_scale'), int32('maximum_scale'), int32('sql_data_type', false),
  int32('datetime_subcode'), int32('num_prec_radix'), int32('interval_precision'),
];

// The SQL types of InfluxDB's columns (XDBC codes as in java.sql.Types; nullable 1 = nullable, searchable 3 = all).
const XDBC_TYPES: unknown[][] = [
  ['BIGINT', -5, 19, null, null, null, 1, false, 3, false, true, false, 'Int64', 0, 0, -5, null, 10, null],
  ['BOOLEAN', 16, 1, null, null, null, 1, false, 3, null, false, false, 'Boolean', null, null, 16, null, null, null],
  ['DOUBLE', 8, 15, null, null, null, 1, false, 3, false, false, false, 'Float64', null, null, 8, null, 2, null],
  ['TIMESTAMP', 93, 29, "'", "'", null, 1, false, 3, null, false, false, 'Timestamp(Nanosecond, None)', 0, 9, 93, null, null, null],
  ['VARCHAR', 12, 2147483647, "'", "'", null, 1, true, 3, null, false, false, 'Utf8', null, null, 12, null, null, null],
];

COMMANDS.push({
  type: CommandGetXdbcTypeInfo,
  columns: () => XDBC_COLUMNS,
  rows: async (cmd) => XDBC_TYPES.filter((r) => typeof cmd.data_type !== 'number' || r[1] === cmd.data_type).sort((a, b) => (a[1] as number) - (b[1] as number)),
});

const BY_URL = new Map(COMMANDS.map((c) => [typeUrl(c.type), c]));

// The metadata command a google.protobuf.Any holds, decoded, or null when it is not one.
export function metadataCommand(typeUrlOfAny: string, value: Uint8Array): { command: MetadataCommand; cmd: Record<string, unknown> } | null {
  const command = BY_URL.get(typeUrlOfAny);
  if (!command) return null;
  const cmd = command.type.toObject(command.type.decode(value), { defaults: false, arrays: true }) as Record<string, unknown>;
  return { command, cmd };
}
