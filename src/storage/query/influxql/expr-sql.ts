import { quoteIdent, quoteLiteral } from '../sql-names.js';
import type { ColumnDef, FieldType } from '../../types.js';
import type { Expr } from './ast.js';
import { influxqlError, unsupported } from './errors.js';
import { evalTime, isTimeRef } from './time.js';

// One measurement as InfluxQL sees it: tag keys and typed field keys.
export interface MeasurementSchema {
  name: string;
  tags: Set<string>;
  fields: Map<string, FieldType>;
}

export function schemaOf(name: string, columns: ColumnDef[]): MeasurementSchema {
  const tags = new Set<string>();
  const fields = new Map<string, FieldType>();
  for (const c of columns) {
    if (c.type === 'tag') tags.add(c.name);
    else if (c.type !== 'time') fields.set(c.name, c.type);
  }
  return { name, tags, fields };
}

export const NUMERIC: ReadonlySet<FieldType> = new Set<FieldType>(['float64', 'int64', 'uint64']);

// A time literal in nanoseconds as a TIMESTAMP_NS constant.
export function timestampSql(ns: bigint): string {
  return `make_timestamp_ns(${ns.toString()})`;
}

export function numberSql(value: number, integer: boolean): string {
  if (!Number.isFinite(value)) throw influxqlError(`invalid number ${value}`);
  if (integer && Number.isSafeInteger(value)) return value < 0 ? `(${value})` : String(value);
  return `CAST(${value < 0 ? `(${value})` : value} AS DOUBLE)`;
}

type Kind = 'tag' | 'field' | 'missing';

// How a name resolves in a measurement: its ::tag / ::field cast wins, then tags, then fields.
export function resolveRef(e: Extract<Expr, { kind: 'ref' }>, schema: MeasurementSchema): { kind: Kind; type?: FieldType } {
  if (e.cast === 'tag') return schema.tags.has(e.name) ? { kind: 'tag' } : { kind: 'missing' };
  if (e.cast !== 'field' && schema.tags.has(e.name)) return { kind: 'tag' };
  const type = schema.fields.get(e.name);
  if (type === undefined) return { kind: 'missing' };
  if (e.cast === 'string' && type !== 'utf8') return { kind: 'missing' };
  if (e.cast === 'boolean' && type !== 'bool') return { kind: 'missing' };
  if ((e.cast === 'float' || e.cast === 'integer' || e.cast === 'unsigned') && !NUMERIC.has(type)) return { kind: 'missing' };
  return { kind: 'field', type };
}

// A field or tag as a value in SELECT (raw) or WHERE arithmetic; missing names are NULL.
export function refSql(e: Extract<Expr, { kind: 'ref' }>, schema: MeasurementSchema): string {
  const r = resolveRef(e, schema);
  if (r.kind === 'missing') return 'NULL';
  const col = quoteIdent(e.name);
  if (r.kind === 'field' && e.cast === 'float' && r.type !== 'float64') return `CAST(${col} AS DOUBLE)`;
  if (r.kind === 'field' && e.cast === 'integer' && r.type !== 'int64') return `CAST(trunc(${col}) AS BIGINT)`;
  return col;
}

const MATH: Record<string, { args: number; sql: (a: string[]) => string }> = {
  abs: { args: 1, sql: (a) => `abs(${a[0]})` },
  ceil: { args: 1, sql: (a) => `ceil(${a[0]})` },
  floor: { args: 1, sql: (a) => `floor(${a[0]})` },
  round: { args: 1, sql: (a) => `round(${a[0]})` },
  sqrt: { args: 1, sql: (a) => `CASE WHEN ${a[0]} >= 0 THEN sqrt(${a[0]}) END` },
  ln: { args: 1, sql: (a) => `CASE WHEN ${a[0]} > 0 THEN ln(${a[0]}) END` },
  log2: { args: 1, sql: (a) => `CASE WHEN ${a[0]} > 0 THEN log2(${a[0]}) END` },
  log10: { args: 1, sql: (a) => `CASE WHEN ${a[0]} > 0 THEN log10(${a[0]}) END` },
  log: { args: 2, sql: (a) => `CASE WHEN ${a[0]} > 0 AND ${a[1]} > 0 THEN ln(${a[0]}) / ln(${a[1]}) END` },
  exp: { args: 1, sql: (a) => `exp(${a[0]})` },
  pow: { args: 2, sql: (a) => `pow(${a[0]}, ${a[1]})` },
  sin: { args: 1, sql: (a) => `sin(${a[0]})` },
  cos: { args: 1, sql: (a) => `cos(${a[0]})` },
  tan: { args: 1, sql: (a) => `tan(${a[0]})` },
  asin: { args: 1, sql: (a) => `CASE WHEN ${a[0]} BETWEEN -1 AND 1 THEN asin(${a[0]}) END` },
  acos: { args: 1, sql: (a) => `CASE WHEN ${a[0]} BETWEEN -1 AND 1 THEN acos(${a[0]}) END` },
  atan: { args: 1, sql: (a) => `atan(${a[0]})` },
  atan2: { args: 2, sql: (a) => `atan2(${a[0]}, ${a[1]})` },
};

export function isMathFunction(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(MATH, name);
}

// A math function over already-translated arguments.
export function mathSql(name: string, args: string[]): string {
  const fn = MATH[name]!;
  if (args.length !== fn.args) throw influxqlError(`invalid number of arguments for ${name}, expected ${fn.args}, got ${args.length}`);
  return fn.sql(args);
}

const ARITH: Record<string, string> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '&': '&', '|': '|' };

// Arithmetic between translated operands; `/` always divides as floats, as InfluxQL does.
export function arithSql(op: string, l: string, r: string): string {
  if (op === '^') return `xor(${l}, ${r})`;
  const sqlOp = ARITH[op];
  if (!sqlOp) throw influxqlError(`invalid operator ${op} in a field expression`);
  if (op === '/') return `(CAST(${l} AS DOUBLE) / NULLIF(CAST(${r} AS DOUBLE), 0))`;
  return `(${l} ${sqlOp} ${r})`;
}

// A value expression without aggregates (raw SELECT fields, WHERE operands).
export function valueSql(e: Expr, schema: MeasurementSchema): string {
  switch (e.kind) {
    case 'ref':
      return refSql(e, schema);
    case 'number':
      return numberSql(e.value, e.integer);
    case 'string':
      return quoteLiteral(e.value);
    case 'bool':
      return e.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    case 'paren':
      return valueSql(e.expr, schema);
    case 'binary':
      return arithSql(e.op, valueSql(e.left, schema), valueSql(e.right, schema));
    case 'call':
      if (isMathFunction(e.name)) return mathSql(e.name, e.args.map((a) => valueSql(a, schema)));
      throw influxqlError(`invalid function call in this context: ${e.name}()`);
    default:
      throw influxqlError(`invalid expression of kind ${e.kind}`);
  }
}

const COMPARE = new Set(['=', '!=', '<', '<=', '>', '>=']);

function literalKind(e: Expr): 'string' | 'number' | 'bool' | 'other' {
  if (e.kind === 'string') return 'string';
  if (e.kind === 'number' || e.kind === 'duration') return 'number';
  if (e.kind === 'bool') return 'bool';
  return 'other';
}

function fieldLiteralMismatch(type: FieldType | undefined, lit: 'string' | 'number' | 'bool' | 'other'): boolean {
  if (type === undefined || lit === 'other') return false;
  if (type === 'utf8') return lit !== 'string';
  if (type === 'bool') return lit !== 'bool';
  return lit !== 'number';
}

/**
 * A WHERE clause as DuckDB SQL. Tags compare as strings with a missing tag equal to '' (InfluxQL's
 * rule); a field compared with a value of another type matches nothing; time compares with constants.
 */
export function conditionSql(e: Expr, schema: MeasurementSchema, nowNs: bigint): string {
  switch (e.kind) {
    case 'paren':
      return conditionSql(e.expr, schema, nowNs);
    case 'bool':
      return e.value ? 'TRUE' : 'FALSE';
    case 'ref': {
      const r = resolveRef(e, schema);
      return r.kind === 'field' && r.type === 'bool' ? `coalesce(${quoteIdent(e.name)}, FALSE)` : 'FALSE';
    }
    case 'binary':
      break;
    default:
      throw influxqlError(`invalid condition: expected a comparison`);
  }
  const { op, left, right } = e;
  if (op === 'and' || op === 'or') return `(${conditionSql(left, schema, nowNs)} ${op.toUpperCase()} ${conditionSql(right, schema, nowNs)})`;
  if (op === '=~' || op === '!~') {
    if (right.kind !== 'regex') throw influxqlError(`invalid condition: ${op} needs a regular expression on its right`);
    const subject = matchSubject(left, schema);
    const sql = `regexp_matches(${subject}, ${quoteLiteral(right.source)})`;
    return op === '=~' ? `coalesce(${sql}, FALSE)` : `NOT coalesce(${sql}, TRUE)`;
  }
  if (!COMPARE.has(op)) throw influxqlError(`invalid condition: operator ${op} does not compare`);
  if (isTimeRef(left) || isTimeRef(right)) {
    const flipped = isTimeRef(right) && !isTimeRef(left);
    const other = flipped ? left : right;
    const sqlOp = flipped ? ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, string>)[op] ?? op : op;
    return `("time" ${sqlOp === '!=' ? '<>' : sqlOp} ${timestampSql(evalTime(other, nowNs))})`;
  }
  if (right.kind === 'regex' || left.kind === 'regex') throw influxqlError('invalid condition: a regular expression needs =~ or !~');
  const sqlOp = op === '!=' ? '<>' : op;
  const tagSide = left.kind === 'ref' && resolveRef(left, schema).kind !== 'field' ? 'left' : right.kind === 'ref' && resolveRef(right, schema).kind !== 'field' ? 'right' : undefined;
  if (tagSide) {
    const ref = (tagSide === 'left' ? left : right) as Extract<Expr, { kind: 'ref' }>;
    const other = tagSide === 'left' ? right : left;
    const r = resolveRef(ref, schema);
    const subject = r.kind === 'tag' ? `coalesce(${quoteIdent(ref.name)}, '')` : "''";
    if (other.kind === 'ref') {
      const otherSql = resolveRef(other, schema).kind === 'tag' ? `coalesce(${quoteIdent(other.name)}, '')` : valueSql(other, schema);
      return tagSide === 'left' ? `coalesce(${subject} ${sqlOp} ${otherSql}, FALSE)` : `coalesce(${otherSql} ${sqlOp} ${subject}, FALSE)`;
    }
    if (other.kind !== 'string') {
      // A tag only ever equals a string; with a number it can only be "not equal".
      if (r.kind === 'missing' && other.kind !== 'null') return op === '!=' ? 'TRUE' : 'FALSE';
      if (r.kind === 'tag') return op === '!=' ? 'TRUE' : 'FALSE';
    }
    const lit = valueSql(other, schema);
    return tagSide === 'left' ? `(${subject} ${sqlOp} ${lit})` : `(${lit} ${sqlOp} ${subject})`;
  }
  // Field comparisons: a type mismatch with a literal never matches (and must not reach DuckDB's casts).
  for (const [a, b] of [[left, right], [right, left]] as const) {
    if (a.kind === 'ref' && fieldLiteralMismatch(resolveRef(a, schema).type, literalKind(b))) return 'FALSE';
  }
  return `coalesce(${valueSql(left, schema)} ${sqlOp} ${valueSql(right, schema)}, FALSE)`;
}

function matchSubject(e: Expr, schema: MeasurementSchema): string {
  if (e.kind === 'paren') return matchSubject(e.expr, schema);
  if (e.kind !== 'ref') throw unsupported('regex match on an expression (only on a tag or field)');
  const r = resolveRef(e, schema);
  if (r.kind === 'tag') return `coalesce(${quoteIdent(e.name)}, '')`;
  if (r.kind === 'missing') return "''";
  return r.type === 'utf8' ? quoteIdent(e.name) : `CAST(${quoteIdent(e.name)} AS VARCHAR)`;
}
