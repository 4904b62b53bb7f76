import { planningError } from '../query-errors.js';

// DataFusion formats and parses times with Rust chrono's strftime syntax; DuckDB's strftime/strptime share most
// specifiers but not all (%e, %.f, %f as nanoseconds, %+, %T, ...). These translate a chrono format given as a literal.

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

// Nanoseconds within the second of a TIMESTAMP_NS expression.
const nanosOf = (t: string): string => `(epoch_ns(${t}) % 1000000000 + 1000000000) % 1000000000`;
const digits = (t: string, width: number): string => `lpad(CAST(${nanosOf(t)} // ${10 ** (9 - width)} AS VARCHAR), ${width}, '0')`;

// chrono specifiers that are other specifiers spelled short.
const ALIASES: Record<string, string> = {
  '%T': '%H:%M:%S',
  '%D': '%m/%d/%y',
  '%F': '%Y-%m-%d',
  '%R': '%H:%M',
  '%h': '%b',
  '%x': '%m/%d/%y',
  '%X': '%H:%M:%S',
  '%r': '%I:%M:%S %p',
  '%c': '%a %b %e %H:%M:%S %Y',
  '%+': '%Y-%m-%dT%H:%M:%S%.f%:z',
};

const SPECIFIER = /%(?:[-_0^#]?[A-Za-z%+]|[.:]?[0-9]?[a-z])/g;

function expandAliases(format: string): string {
  let out = format;
  for (let i = 0; i < 3; i++) out = out.replace(SPECIFIER, (s) => ALIASES[s] ?? s);
  return out;
}

/** to_char(t, format): a SQL expression of `t` (a TIMESTAMP_NS) formatted the chrono way. */
export function formatWithChrono(t: string, format: string): string {
  const parts: string[] = [];
  let pending = '';
  const flush = (): void => {
    if (pending !== '') parts.push(`strftime(${t}, ${sqlString(pending)})`);
    pending = '';
  };
  const expr = (sql: string): void => {
    flush();
    parts.push(sql);
  };
  const text = expandAliases(format);
  let last = 0;
  for (const m of text.matchAll(SPECIFIER)) {
    pending += text.slice(last, m.index).replace(/%/g, '%%');
    last = m.index + m[0].length;
    const s = m[0];
    if (s === '%e') expr(`lpad(strftime(${t}, '%-d'), 2, ' ')`);
    else if (s === '%k') expr(`lpad(strftime(${t}, '%-H'), 2, ' ')`);
    else if (s === '%l') expr(`lpad(strftime(${t}, '%-I'), 2, ' ')`);
    else if (s === '%P') expr(`lower(strftime(${t}, '%p'))`);
    else if (s === '%s') expr(`CAST(epoch_ns(${t}) // 1000000000 AS VARCHAR)`);
    else if (s === '%f') expr(digits(t, 9));
    else if (s === '%3f' || s === '%6f' || s === '%9f') expr(digits(t, Number(s[1])));
    else if (s === '%.3f' || s === '%.6f' || s === '%.9f') expr(`'.' || ${digits(t, Number(s[2]))}`);
    // %.f: the fraction in as few of 3, 6 or 9 digits as keep it exact, nothing when zero.
    else if (s === '%.f') {
      const n = nanosOf(t);
      expr(`CASE WHEN ${n} = 0 THEN '' WHEN ${n} % 1000000 = 0 THEN '.' || ${digits(t, 3)} WHEN ${n} % 1000 = 0 THEN '.' || ${digits(t, 6)} ELSE '.' || ${digits(t, 9)} END`);
    } else if (s === '%:z') expr(`'+00:00'`);
    else if (s === '%n') pending += '\n';
    else if (s === '%t') pending += '\t';
    else pending += s;
  }
  pending += text.slice(last).replace(/%/g, '%%');
  flush();
  return parts.length === 0 ? `''` : parts.length === 1 ? parts[0]! : `(${parts.join(' || ')})`;
}

/**
 * The DuckDB strptime formats that parse what a chrono format parses (one chrono format may need two: %.f and
 * %+ take an optional fraction).
 */
export function chronoParseFormats(format: string): string[] {
  let formats = [expandAliases(format)];
  const replaceAll = (from: string, to: string[]): void => {
    formats = formats.flatMap((f) => (f.includes(from) ? to.map((t) => f.split(from).join(t)) : [f]));
  };
  replaceAll('%.f', ['.%n', '']);
  replaceAll('%.3f', ['.%g']);
  replaceAll('%.6f', ['.%f']);
  replaceAll('%.9f', ['.%n']);
  replaceAll('%:z', ['%z']);
  replaceAll('%e', ['%-d']);
  replaceAll('%k', ['%-H']);
  replaceAll('%l', ['%-I']);
  for (const f of formats) {
    const bad = /%(?:[3-9]f|s|P)/.exec(f);
    if (bad) throw planningError(`format specifier ${bad[0]} is not supported in parsing formats ('${format}')`);
  }
  // chrono's %f alone is nanoseconds.
  return formats.map((f) => f.replace(/%f/g, '%n'));
}

/**
 * SQL parsing `value` (a string) with each chrono format in turn, as DataFusion's to_timestamp* do, to a TIMESTAMP_NS;
 * when none matches, DataFusion's execution error.
 */
export function parseWithChrono(value: string, formats: string[]): string {
  const attempts = formats.flatMap(chronoParseFormats).map((f) => `CAST(try_strptime(CAST(${value} AS VARCHAR), ${sqlString(f)}) AS TIMESTAMP_NS)`);
  const failure = `error('Execution error: Error parsing timestamp from ''' || CAST(${value} AS VARCHAR) || ''' using formats: ${formats.map((f) => f.replace(/'/g, "''")).join(', ')}')`;
  return `(CASE WHEN ${value} IS NULL THEN NULL ELSE COALESCE(${attempts.join(', ')}, ${failure}) END)`;
}
