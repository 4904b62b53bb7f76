import { Any, ReadInfo } from './proto/messages.js';
import { READ_INFO_TYPE_URL } from './proto/read-info-proto.js';
import { invalidArgument } from './grpc-status.js';

export type QueryLanguage = 'sql' | 'influxql';
export type TicketParams = Record<string, string | number | boolean | null>;

// What a DoGet ticket asks for, whichever of upstream's encodings carried it.
export interface QueryTicket {
  database: string;
  query: string;
  language: QueryLanguage;
  params?: TicketParams;
}

// The JSON ticket's names for the database, as upstream accepts them.
const DATABASE_KEYS = ['database', 'namespace_name', 'bucket', 'bucket-name'];

// Upstream's three forms, tried in its order: ReadInfo in google.protobuf.Any, plain protobuf ReadInfo, then JSON
// (what the v3 client libraries send).
export function parseTicket(bytes: Uint8Array): QueryTicket {
  const fromAny = tryAny(bytes);
  if (fromAny) return fromAny;
  const text = Buffer.from(bytes).toString('utf8');
  if (text.trimStart().startsWith('{')) return parseJsonTicket(text);
  const fromProto = tryReadInfo(bytes);
  if (fromProto) return fromProto;
  throw invalidArgument(`invalid ticket: expected a JSON object {"database", "sql_query", "query_type"} or a protobuf ReadInfo (${bytes.length} bytes given)`);
}

function tryAny(bytes: Uint8Array): QueryTicket | null {
  let any: { type_url?: string; value?: Uint8Array };
  try {
    any = Any.decode(bytes) as unknown as { type_url?: string; value?: Uint8Array };
  } catch {
    return null;
  }
  if (any.type_url !== READ_INFO_TYPE_URL) return null;
  const inner = tryReadInfo(any.value ?? new Uint8Array());
  if (!inner) throw invalidArgument('invalid ticket: the google.protobuf.Any does not hold a valid ReadInfo');
  return inner;
}

interface ReadInfoParam {
  name?: string;
  value?: 'null' | 'boolean' | 'u_int64' | 'int64' | 'float64' | 'string';
  boolean?: boolean;
  u_int64?: string;
  int64?: string;
  float64?: number;
  string?: string;
}

function tryReadInfo(bytes: Uint8Array): QueryTicket | null {
  let info: { namespace_name?: string; sql_query?: string; query_type?: number; params?: ReadInfoParam[] };
  try {
    info = ReadInfo.toObject(ReadInfo.decode(bytes), { defaults: true, longs: String, oneofs: true }) as typeof info;
  } catch {
    return null;
  }
  if (!info.namespace_name || !info.sql_query) return null;
  const language: QueryLanguage = info.query_type === 2 ? 'influxql' : 'sql';
  const ticket: QueryTicket = { database: info.namespace_name, query: info.sql_query, language };
  if (info.params && info.params.length > 0) ticket.params = Object.fromEntries(info.params.map((p) => [p.name ?? '', readInfoParamValue(p)]));
  return ticket;
}

// 64-bit integers stay exact: as numbers when safe, else as their decimal text.
function readInfoParamValue(p: ReadInfoParam): string | number | boolean | null {
  switch (p.value) {
    case 'boolean':
      return p.boolean ?? false;
    case 'u_int64':
    case 'int64': {
      const text = p[p.value] ?? '0';
      return Number.isSafeInteger(Number(text)) ? Number(text) : text;
    }
    case 'float64':
      return p.float64 ?? 0;
    case 'string':
      return p.string ?? '';
    default:
      return null;
  }
}

export function parseJsonTicket(text: string): QueryTicket {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalidArgument(`invalid ticket: not valid JSON: ${truncate(text)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidArgument(`invalid ticket: expected a JSON object, got ${truncate(text)}`);
  const o = doc as Record<string, unknown>;
  const key = DATABASE_KEYS.find((k) => o[k] !== undefined);
  const database = key === undefined ? undefined : o[key];
  if (typeof database !== 'string' || database === '') throw invalidArgument(`invalid ticket: missing "database" (or namespace_name, bucket, bucket-name) string`);
  const query = o.sql_query;
  if (typeof query !== 'string' || query === '') throw invalidArgument('invalid ticket: missing "sql_query" string');
  return { database, query, language: queryType(o.query_type), params: params(o.params) };
}

function queryType(value: unknown): QueryLanguage {
  if (value === undefined || value === null) return 'sql';
  if (typeof value === 'string') {
    const v = value.toLowerCase();
    if (v === 'sql' || v === 'influxql') return v;
  }
  throw invalidArgument(`invalid ticket: unknown query_type ${JSON.stringify(value)} (expected "sql" or "influxql")`);
}

function params(value: unknown): TicketParams | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgument(`invalid params ${JSON.stringify(value)}: expected a JSON object`);
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
      throw invalidArgument(`invalid value for query parameter '${k}': ${JSON.stringify(v)}`);
    }
  }
  return value as TicketParams;
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
