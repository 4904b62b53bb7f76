import { AppError } from '../../../shared/app-error.js';

// A cron expression that does not parse; the dry-run endpoint reports the message as is.
export class CronSyntaxError extends AppError {
  constructor(detail: string) {
    super('invalid_cron', `invalid cron syntax: ${detail}`, { status: 500 });
    this.name = 'CronSyntaxError';
  }
}

// Quartz (the Rust `cron` crate upstream uses, 6 or 7 fields) or classic Vixie cron (5 fields).
export type CronDialect = 'quartz' | 'classic';

// The expanded sets of one expression; day-of-week values are normalised to JS numbering (0 = Sunday).
export interface CronFields {
  dialect: CronDialect;
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  daysOfWeek: number[];
  // null: every year the dialect allows (Quartz: 1970–2100 as the crate; classic: unbounded).
  years: number[] | null;
  // How day-of-month and day-of-week combine: the crate ANDs them; Vixie ORs them when both are restricted.
  dayMatch: 'and' | 'or';
}

interface FieldDef {
  label: string;
  min: number;
  max: number;
  names?: Record<string, number>;
  allowAny?: boolean;
  hint?: string;
}

const MONTH_NAMES: Record<string, number> = {};
['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'].forEach(
  (full, i) => {
    MONTH_NAMES[full] = i + 1;
    MONTH_NAMES[full.slice(0, 3)] = i + 1;
  },
);

// Day names map to an offset from Sunday; each dialect adds its own base (Quartz 1, classic 0).
function dayNames(base: number): Record<string, number> {
  const out: Record<string, number> = {};
  ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].forEach((full, i) => {
    out[full] = i + base;
    out[full.slice(0, 3)] = i + base;
  });
  out.tues = 2 + base;
  out.thurs = 4 + base;
  return out;
}

const SECONDS: FieldDef = { label: 'seconds', min: 0, max: 59 };
const MINUTES: FieldDef = { label: 'minutes', min: 0, max: 59 };
const HOURS: FieldDef = { label: 'hours', min: 0, max: 23 };
const DOM: FieldDef = { label: 'day-of-month', min: 1, max: 31, allowAny: true };
const MONTH: FieldDef = { label: 'month', min: 1, max: 12, names: MONTH_NAMES };
const QUARTZ_DOW: FieldDef = {
  label: 'day-of-week',
  min: 1,
  max: 7,
  names: dayNames(1),
  allowAny: true,
  hint: ' (Quartz numbering: 1 = Sunday … 7 = Saturday; use SUN-SAT names, or a 5-field expression where 0 = Sunday)',
};
const CLASSIC_DOW: FieldDef = { label: 'day-of-week', min: 0, max: 7, names: dayNames(0), allowAny: true, hint: ' (0 or 7 = Sunday)' };
const YEAR: FieldDef = { label: 'year', min: 1970, max: 2100 };

const SHORTCUTS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 1',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

// Parses a Quartz 6/7-field, classic 5-field or `@shortcut` expression into expanded sets.
export function parseCronFields(expression: string): CronFields {
  const text = expression.trim();
  if (text === '') throw new CronSyntaxError('expression is empty');
  if (text.startsWith('@')) {
    const expanded = SHORTCUTS[text.toLowerCase()];
    if (expanded === undefined) {
      throw new CronSyntaxError(`unknown shortcut '${text}', expected one of ${Object.keys(SHORTCUTS).join(', ')}`);
    }
    return parseCronFields(expanded);
  }
  const parts = text.split(/\s+/);
  if (parts.length === 5) return classic(parts, text);
  if (parts.length === 6 || parts.length === 7) return quartz(parts, text);
  throw new CronSyntaxError(
    `expected 6 or 7 fields (sec min hour day-of-month month day-of-week [year]) or 5 classic fields (min hour day-of-month month day-of-week), got ${parts.length} in '${text}'`,
  );
}

function quartz(parts: string[], text: string): CronFields {
  const [sec, min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string, string?];
  return {
    dialect: 'quartz',
    seconds: field(sec, SECONDS, text),
    minutes: field(min, MINUTES, text),
    hours: field(hour, HOURS, text),
    daysOfMonth: field(dom, DOM, text),
    months: field(month, MONTH, text),
    daysOfWeek: field(dow, QUARTZ_DOW, text).map((d) => d - 1),
    years: year === undefined || year === '*' ? null : field(year, YEAR, text),
    dayMatch: 'and',
  };
}

function classic(parts: string[], text: string): CronFields {
  const [min, hour, dom, month, dow] = parts as [string, string, string, string, string];
  // Vixie cron: a field that starts with `*` counts as unrestricted; only two restricted fields are ORed.
  const star = (f: string): boolean => f.startsWith('*') || f.startsWith('?');
  return {
    dialect: 'classic',
    seconds: [0],
    minutes: field(min, MINUTES, text),
    hours: field(hour, HOURS, text),
    daysOfMonth: field(dom, DOM, text),
    months: field(month, MONTH, text),
    daysOfWeek: [...new Set(field(dow, CLASSIC_DOW, text).map((d) => d % 7))].sort((a, b) => a - b),
    years: null,
    dayMatch: star(dom) || star(dow) ? 'and' : 'or',
  };
}

function field(textField: string, def: FieldDef, expr: string): number[] {
  const where = `in ${def.label} field '${textField}' of '${expr}'`;
  const out = new Set<number>();
  for (const item of textField.split(',')) {
    if (item === '') throw new CronSyntaxError(`empty list item ${where}`);
    const slash = item.split('/');
    if (slash.length > 2) throw new CronSyntaxError(`too many '/' in '${item}' ${where}`);
    const [base, stepText] = slash as [string, string?];
    let step = 1;
    if (stepText !== undefined) {
      step = /^\d+$/.test(stepText) ? Number(stepText) : NaN;
      if (!(step >= 1 && step <= def.max)) {
        throw new CronSyntaxError(`step '${stepText}' must be between 1 and ${def.max} ${where}`);
      }
    }
    let lo: number;
    let hi: number;
    if (base === '*' || base === '?') {
      if (base === '?' && !def.allowAny) throw new CronSyntaxError(`'?' is only allowed in day-of-month and day-of-week, found ${where}`);
      [lo, hi] = [def.min, def.max];
    } else if (base.includes('-')) {
      const ends = base.split('-');
      if (ends.length !== 2) throw new CronSyntaxError(`invalid range '${base}' ${where}`);
      lo = value(ends[0]!, def, where);
      hi = value(ends[1]!, def, where);
      if (lo > hi) throw new CronSyntaxError(`range '${base}' ends before it starts ${where}`);
    } else {
      lo = value(base, def, where);
      // Quartz `5/15` means from 5 to the end in steps of 15.
      hi = stepText === undefined ? lo : def.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

function value(token: string, def: FieldDef, where: string): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < def.min || n > def.max) {
      throw new CronSyntaxError(`${def.label} value ${n} is out of range ${def.min}-${def.max}${def.hint ?? ''} ${where}`);
    }
    return n;
  }
  const named = /^[A-Za-z]+$/.test(token) ? def.names?.[token.toLowerCase()] : undefined;
  if (named === undefined) {
    const kind = def.names ? 'a number or a name' : 'a number';
    throw new CronSyntaxError(`invalid ${def.label} value '${token}', expected ${kind} ${where}`);
  }
  return named;
}
