import { arrowTypeFor } from './arrow-cast.js';
import type { ColumnDef } from '../types.js';
import type { VirtualColumnType, VirtualTable } from './system-tables.js';

// What information_schema is computed from, taken when a query asks for it.
export interface SchemaSnapshot {
  tables: Array<{ name: string; columns: ColumnDef[] }>;
  systemTables: string[];
}

// The views DataFusion exposes, in the order SHOW TABLES lists them.
export const INFORMATION_SCHEMA_VIEWS = ['tables', 'views', 'columns', 'df_settings', 'schemata'];

const cols = (spec: Array<[string, VirtualColumnType]>): VirtualTable['columns'] =>
  spec.map(([name, type]) => ({ name, type }));

function tables(s: SchemaSnapshot): VirtualTable {
  const rows: unknown[][] = [];
  for (const t of [...s.tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    rows.push(['public', 'iox', t.name, 'BASE TABLE']);
  }
  for (const name of [...s.systemTables].sort()) rows.push(['public', 'system', name, 'BASE TABLE']);
  for (const name of INFORMATION_SCHEMA_VIEWS) rows.push(['public', 'information_schema', name, 'VIEW']);
  return {
    columns: cols([['table_catalog', 'Utf8'], ['table_schema', 'Utf8'], ['table_name', 'Utf8'], ['table_type', 'Utf8']]),
    rows,
  };
}

const PRECISION: Record<string, [number, number] | undefined> = {
  Int64: [64, 2],
  UInt64: [64, 2],
  Float64: [53, 2],
};

function columns(s: SchemaSnapshot): VirtualTable {
  const rows: unknown[][] = [];
  for (const t of s.tables) {
    t.columns.forEach((c, i) => {
      const dataType = arrowTypeFor(c.type);
      const precision = PRECISION[dataType];
      rows.push([
        'public', 'iox', t.name, c.name, BigInt(i), null, c.type === 'time' ? 'NO' : 'YES', dataType,
        null, dataType === 'Utf8' ? 2147483647n : null, precision ? BigInt(precision[0]) : null,
        precision ? BigInt(precision[1]) : null, null, null, null,
      ]);
    });
  }
  return {
    columns: cols([
      ['table_catalog', 'Utf8'], ['table_schema', 'Utf8'], ['table_name', 'Utf8'], ['column_name', 'Utf8'],
      ['ordinal_position', 'UInt64'], ['column_default', 'Utf8'], ['is_nullable', 'Utf8'], ['data_type', 'Utf8'],
      ['character_maximum_length', 'UInt64'], ['character_octet_length', 'UInt64'], ['numeric_precision', 'UInt64'],
      ['numeric_precision_radix', 'UInt64'], ['numeric_scale', 'UInt64'], ['datetime_precision', 'UInt64'],
      ['interval_type', 'Utf8'],
    ]),
    rows,
  };
}

function schemata(): VirtualTable {
  return {
    columns: cols([
      ['catalog_name', 'Utf8'], ['schema_name', 'Utf8'], ['schema_owner', 'Utf8'], ['default_character_set_catalog', 'Utf8'],
      ['default_character_set_schema', 'Utf8'], ['default_character_set_name', 'Utf8'], ['sql_path', 'Utf8'],
    ]),
    rows: ['information_schema', 'iox', 'system'].map((name) => ['public', name, null, null, null, null, null]),
  };
}

// information_schema.<name> for one database, or undefined for a view we do not have.
export function informationSchemaTable(name: string, snapshot: () => SchemaSnapshot): VirtualTable | undefined {
  switch (name) {
    case 'tables':
      return tables(snapshot());
    case 'columns':
      return columns(snapshot());
    case 'views':
      return { columns: cols([['table_catalog', 'Utf8'], ['table_schema', 'Utf8'], ['table_name', 'Utf8'], ['definition', 'Utf8']]), rows: [] };
    case 'schemata':
      return schemata();
    case 'df_settings':
      return { columns: cols([['name', 'Utf8'], ['value', 'Utf8'], ['description', 'Utf8']]), rows: [] };
    default:
      return undefined;
  }
}
