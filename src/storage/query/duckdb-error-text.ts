// DuckDB's error texts in DataFusion's words, for the classes users and scripts meet: parse errors, unknown columns,
// functions and tables, type mismatches, failed casts. The position block DuckDB appends ("LINE 1: ...", a caret)
// becomes DataFusion's "at Line: L, Column: C" where DataFusion has one, and is dropped elsewhere.

// DuckDB type names (as its messages print them) → Arrow names (as DataFusion prints them).
const ARROW_NAMES: Record<string, string> = {
  VARCHAR: 'Utf8',
  STRING_LITERAL: 'Utf8',
  INTEGER_LITERAL: 'Int64',
  BOOLEAN: 'Boolean',
  TINYINT: 'Int8',
  SMALLINT: 'Int16',
  INTEGER: 'Int32',
  INT32: 'Int32',
  BIGINT: 'Int64',
  INT64: 'Int64',
  INT16: 'Int16',
  INT8: 'Int8',
  UTINYINT: 'UInt8',
  USMALLINT: 'UInt16',
  UINTEGER: 'UInt32',
  UBIGINT: 'UInt64',
  UINT8: 'UInt8',
  UINT16: 'UInt16',
  UINT32: 'UInt32',
  UINT64: 'UInt64',
  FLOAT: 'Float32',
  DOUBLE: 'Float64',
  DATE: 'Date32',
  TIMESTAMP: 'Timestamp(Microsecond, None)',
  TIMESTAMP_NS: 'Timestamp(Nanosecond, None)',
  'TIMESTAMP WITH TIME ZONE': 'Timestamp(Microsecond, Some("UTC"))',
  INTERVAL: 'Interval(MonthDayNano)',
  BLOB: 'Binary',
};

export function arrowTypeName(duck: string): string {
  const t = duck.trim();
  if (/^DECIMAL\((\d+),\s*(\d+)\)$/.test(t)) return t.replace(/^DECIMAL\((\d+),\s*(\d+)\)$/, 'Decimal128($1, $2)');
  return ARROW_NAMES[t] ?? t;
}

export interface DataFusionText {
  // 'planning': "error while planning query: …"; 'execution': "error while executing plan: …".
  stage: 'planning' | 'execution';
  message: string;
}

// The 1-based line and column DuckDB's caret points at, from its "LINE n: <sql>\n<spaces>^" block.
function position(message: string): { line: number; column: number } | null {
  const m = /\nLINE (\d+): (.*)\n( *)\^/.exec(message);
  if (!m) return null;
  const prefix = `LINE ${m[1]}: `.length;
  return { line: Number(m[1]), column: Math.max(1, m[3]!.length - prefix + 1) };
}

// The message without DuckDB's class prefix and position block.
function body(message: string): string {
  return message.replace(/\n+LINE \d+:[\s\S]*$/, '').replace(/^[A-Z][A-Za-z ]+ Error: /, '').trim();
}

const MISSING_COLUMN = /^Referenced column "(.+?)" not found in FROM clause!/;
const MISSING_QUALIFIED = /^Table "(.+?)" does not have a column named "(.+?)"/;
const MISSING_FUNCTION = /^(?:Scalar|Aggregate|Table) Function with name "?(.+?)"? does not exist!/;
const NO_MATCH = /^No function matches the given name and argument types '(.+?)\((.*?)\)'/;
const NO_BEST = /^Could not choose a best candidate function for the function call "(.+?)\((.*?)\)"/;
const CONVERT = /^Could not convert string '(.*)' to (\w+)/;
const GROUP_BY = /^column "(.+?)" must appear in the GROUP BY clause or must be part of an aggregate function/;
const OPERATORS = new Set(['+', '-', '*', '/', '%', '//', '**', '^', '||', '&', '|', '<<', '>>']);

/**
 * DuckDB's message as DataFusion would word it, or null when the class is not one we translate (the caller then
 * keeps the body without DuckDB's prefix). `fields` lists the columns the query could have meant (table.column), for
 * DataFusion's "Valid fields are …".
 */
export function dataFusionText(message: string, fields: () => string[]): DataFusionText | null {
  const cls = /^([A-Z][A-Za-z ]+) Error: /.exec(message)?.[1] ?? '';
  const text = body(message);
  // Raised by our own rewrites through DuckDB's error(): already in DataFusion's words.
  const own = /^(Error during planning|Schema error|SQL error|Arrow error|Execution error|This feature is not implemented): /.exec(text);
  if (own) return { stage: own[1] === 'Error during planning' || own[1] === 'Schema error' || own[1] === 'SQL error' ? 'planning' : 'execution', message: text };
  const at = position(message);
  if (cls === 'Parser') {
    const near = /^syntax error at or near "(.*)"/.exec(text);
    const where = at ? ` at Line: ${at.line}, Column: ${at.column}` : '';
    // At the very start DataFusion expects a statement; elsewhere we cannot know what it would have expected.
    const expected = at && at.line === 1 && at.column === 1 ? 'an SQL statement' : 'a valid SQL token';
    const detail = near ? `Expected: ${expected}, found: ${near[1]}${where}` : /end of input/.test(text) ? 'Expected: more input, found: EOF' : `${text}${where}`;
    return { stage: 'planning', message: `SQL error: ParserError(${JSON.stringify(detail)})` };
  }
  const column = MISSING_COLUMN.exec(text);
  const qualified = MISSING_QUALIFIED.exec(text);
  if (column || qualified) {
    const name = column ? column[1]! : `${qualified![1]}.${qualified![2]}`;
    const valid = fields();
    return { stage: 'planning', message: `Schema error: No field named ${name}.${valid.length > 0 ? ` Valid fields are ${valid.join(', ')}.` : ''}` };
  }
  const fn = MISSING_FUNCTION.exec(text);
  if (fn) return { stage: 'planning', message: `Error during planning: Invalid function '${fn[1]}'` };
  const mismatch = NO_MATCH.exec(text) ?? NO_BEST.exec(text);
  if (mismatch) {
    const types = mismatch[2]!.split(',').map((s) => arrowTypeName(s)).filter((s) => s !== '');
    if (OPERATORS.has(mismatch[1]!) && types.length === 2) {
      return { stage: 'planning', message: `Error during planning: Cannot coerce arithmetic expression ${types[0]} ${mismatch[1]} ${types[1]} to valid types` };
    }
    return { stage: 'planning', message: `Error during planning: Failed to coerce arguments to satisfy a call to '${mismatch[1]}' function: coercion from ${types.join(', ')} failed` };
  }
  const cast = CONVERT.exec(text);
  if (cast) return { stage: 'planning', message: `Arrow error: Cast error: Cannot cast string '${cast[1]}' to value of ${arrowTypeName(cast[2]!)} type` };
  const group = GROUP_BY.exec(text);
  if (group) {
    return { stage: 'planning', message: `Error during planning: Column in SELECT must be in GROUP BY or an aggregate function: column "${group[1]}" must appear in the GROUP BY clause or must be part of an aggregate function` };
  }
  if (cls === 'Binder' || cls === 'Catalog') return { stage: 'planning', message: `Error during planning: ${text}` };
  if (cls !== '') return { stage: 'execution', message: `Execution error: ${text}` };
  return null;
}
