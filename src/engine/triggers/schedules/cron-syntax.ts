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

// A checked expression in the plain numeric form croner reads the same way upstream's crate does.
export interface CheckedCron {
  dialect: CronDialect;
  // Names replaced by numbers, `?` by `*`, `5/15` by `5-59/15`; Quartz always has its year field (1970–2100).
  text: string;
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
// The crate's years when the expression gives none.
const QUARTZ_YEARS = `${YEAR.min}-${YEAR.max}`;

const SHORTCUTS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 1',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

// Checks a Quartz 6/7-field, classic 5-field or `@shortcut` expression; errors name the field and value at fault.
export function checkCron(expression: string): CheckedCron {
  const text = expression.trim();
  if (text === '') throw new CronSyntaxError('expression is empty');
  if (text.startsWith('@')) {
    const expanded = SHORTCUTS[text.toLowerCase()];
    if (expanded === undefined) {
      throw new CronSyntaxError(`unknown shortcut '${text}', expected one of ${Object.keys(SHORTCUTS).join(', ')}`);
    }
    return checkCron(expanded);
  }
  const parts = text.split(/\s+/);
  if (parts.length === 5) return classic(parts, text);
  if (parts.length === 6 || parts.length === 7) return quartz(parts, text);
  throw new CronSyntaxError(
    `expected 6 or 7 fields (sec min hour day-of-month month day-of-week [year]) or 5 classic fields (min hour day-of-month month day-of-week), got ${parts.length} in '${text}'`,
  );
}

function quartz(parts: string[], text: string): CheckedCron {
  const [sec, min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string, string?];
  const fields = [field(sec, SECONDS, text), field(min, MINUTES, text), field(hour, HOURS, text)];
  fields.push(field(dom, DOM, text), field(month, MONTH, text), field(dow, QUARTZ_DOW, text));
  fields.push(year === undefined || year === '*' ? QUARTZ_YEARS : field(year, YEAR, text));
  return { dialect: 'quartz', text: fields.join(' '), dayMatch: 'and' };
}

function classic(parts: string[], text: string): CheckedCron {
  const [min, hour, dom, month, dow] = parts as [string, string, string, string, string];
  const fields = [field(min, MINUTES, text), field(hour, HOURS, text), field(dom, DOM, text), field(month, MONTH, text)];
  fields.push(field(dow, CLASSIC_DOW, text));
  // Vixie cron: a field that starts with `*` counts as unrestricted; only two restricted fields are ORed.
  const star = (f: string): boolean => f.startsWith('*') || f.startsWith('?');
  return { dialect: 'classic', text: fields.join(' '), dayMatch: star(dom) || star(dow) ? 'and' : 'or' };
}

// One field checked item by item and written back in numbers.
function field(textField: string, def: FieldDef, expr: string): string {
  const where = `in ${def.label} field '${textField}' of '${expr}'`;
  const out: string[] = [];
  for (const item of textField.split(',')) {
    if (item === '') throw new CronSyntaxError(`empty list item ${where}`);
    const slash = item.split('/');
    if (slash.length > 2) throw new CronSyntaxError(`too many '/' in '${item}' ${where}`);
    const [base, stepText] = slash as [string, string?];
    const step = stepText === undefined ? '' : `/${checkStep(stepText, def, where)}`;
    if (base === '*' || base === '?') {
      if (base === '?' && !def.allowAny) throw new CronSyntaxError(`'?' is only allowed in day-of-month and day-of-week, found ${where}`);
      // A stepped wildcard is written as the field's full range, so croner's own wildcard range never matters.
      out.push(step === '' ? '*' : `${def.min}-${def.max}${step}`);
    } else if (base.includes('-')) {
      const ends = base.split('-');
      if (ends.length !== 2) throw new CronSyntaxError(`invalid range '${base}' ${where}`);
      const lo = value(ends[0]!, def, where);
      const hi = value(ends[1]!, def, where);
      if (lo > hi) throw new CronSyntaxError(`range '${base}' ends before it starts ${where}`);
      out.push(`${lo}-${hi}${step}`);
    } else {
      const v = value(base, def, where);
      // Quartz `5/15` means from 5 to the end in steps of 15.
      out.push(step === '' ? String(v) : `${v}-${def.max}${step}`);
    }
  }
  return out.join(',');
}

function checkStep(stepText: string, def: FieldDef, where: string): number {
  const step = /^\d+$/.test(stepText) ? Number(stepText) : NaN;
  if (!(step >= 1 && step <= def.max)) {
    throw new CronSyntaxError(`step '${stepText}' must be between 1 and ${def.max} ${where}`);
  }
  return step;
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
