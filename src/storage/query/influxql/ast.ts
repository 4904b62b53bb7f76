// The InfluxQL syntax tree: what the parser produces and the planners consume.

export type Cast = 'field' | 'tag' | 'float' | 'integer' | 'unsigned' | 'string' | 'boolean';

export type Expr =
  | { kind: 'ref'; name: string; cast?: Cast }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'binary'; op: string; left: Expr; right: Expr }
  | { kind: 'paren'; expr: Expr }
  | { kind: 'number'; value: number; integer: boolean; raw: string }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'duration'; ns: bigint; raw: string }
  | { kind: 'regex'; source: string }
  | { kind: 'wildcard'; cast?: 'field' | 'tag' }
  | { kind: 'null' };

export interface SelectField {
  expr: Expr;
  alias?: string;
}

// A measurement named or matched by a regex, optionally in another database (`db.rp.m`, `db..m`).
export interface Source {
  db?: string;
  rp?: string;
  name?: string;
  regex?: string;
}

export type FillMode = { mode: 'null' | 'none' | 'previous' | 'linear' } | { mode: 'value'; value: number; integer: boolean };

export interface GroupBy {
  time?: { intervalNs: bigint; offsetNs: bigint };
  // Tag names; `all` for GROUP BY *; regexes select tag keys by pattern.
  tags: string[];
  all: boolean;
  regexes: string[];
}

export interface SelectStatement {
  kind: 'select';
  fields: SelectField[];
  sources: Source[];
  where?: Expr;
  groupBy: GroupBy;
  fill: FillMode;
  orderDesc: boolean;
  limit?: number;
  offset?: number;
  slimit?: number;
  soffset?: number;
}

export type TagKeyFilter =
  | { op: '=' | '!='; names: string[] }
  | { op: 'in'; names: string[] }
  | { op: '=~' | '!~'; regex: string };

export type ShowStatement =
  | { kind: 'show_databases' }
  | { kind: 'show_retention_policies'; db?: string }
  | { kind: 'show_measurements'; db?: string; measurement?: { op: '=' | '!=' | '=~' | '!~'; value: string }; where?: Expr; limit?: number; offset?: number }
  | { kind: 'show_tag_keys'; db?: string; sources: Source[]; where?: Expr; limit?: number; offset?: number; slimit?: number; soffset?: number }
  | { kind: 'show_tag_values'; db?: string; sources: Source[]; key: TagKeyFilter; where?: Expr; limit?: number; offset?: number; slimit?: number; soffset?: number }
  | { kind: 'show_field_keys'; db?: string; sources: Source[]; limit?: number; offset?: number; slimit?: number; soffset?: number }
  | { kind: 'show_series'; db?: string; sources: Source[]; where?: Expr; limit?: number; offset?: number };

export type Statement = SelectStatement | ShowStatement;

// Walks an expression tree depth first.
export function walk(expr: Expr, visit: (e: Expr) => void): void {
  visit(expr);
  switch (expr.kind) {
    case 'call':
      for (const a of expr.args) walk(a, visit);
      break;
    case 'binary':
      walk(expr.left, visit);
      walk(expr.right, visit);
      break;
    case 'paren':
      walk(expr.expr, visit);
      break;
    default:
      break;
  }
}
