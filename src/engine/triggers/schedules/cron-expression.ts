import { Cron, CronPattern } from 'croner';
import { type CheckedCron, type CronDialect, checkCron } from './cron-syntax.js';

// Callers need only this module: the error class and dialect live with the syntax check.
export { CronSyntaxError, type CronDialect } from './cron-syntax.js';

const DAY_MS = 86_400_000;
// How far ahead `nextAfter` looks by default before answering "never" (~5 years).
export const CRON_HORIZON_MS = 5 * 366 * DAY_MS;

// The expanded sets of one expression; day-of-week values use JS numbering (0 = Sunday).
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
  dayMatch: 'and' | 'or';
}

// A parsed schedule trigger expression, evaluated by croner in UTC to whole seconds.
export class CronExpression {
  readonly dialect: CronDialect;
  private readonly cron: Cron;

  private constructor(
    readonly source: string,
    private readonly checked: CheckedCron,
  ) {
    this.dialect = checked.dialect;
    this.cron = new Cron(checked.text, { ...cronerOptions(checked), paused: true });
  }

  // Throws CronSyntaxError (`invalid cron syntax: …`) naming the field and value at fault.
  static parse(expression: string): CronExpression {
    return new CronExpression(expression.trim(), checkCron(expression));
  }

  // The expanded value sets, as croner reads them.
  get fields(): CronFields {
    const p = new CronPattern(this.checked.text, 'UTC', cronerOptions(this.checked));
    const set = (flags: number[], offset = 0): number[] => flags.flatMap((f, i) => (f ? [i + offset] : []));
    const years = set(p.year);
    const allYears = this.dialect === 'quartz' ? years.length === 131 : p.starYear;
    return {
      dialect: this.dialect,
      seconds: set(p.second),
      minutes: set(p.minute),
      hours: set(p.hour),
      daysOfMonth: set(p.day, 1),
      months: set(p.month, 1),
      daysOfWeek: [...new Set(set(p.dayOfWeek).map((d) => d % 7))].sort((a, b) => a - b),
      years: allYears ? null : years,
      dayMatch: this.checked.dayMatch,
    };
  }

  // Whether the whole UTC second containing `ms` is a fire time.
  matches(ms: number): boolean {
    return this.cron.match(new Date(Math.floor(ms / 1000) * 1000));
  }

  // The first fire time strictly after `afterMs` (epoch ms, whole seconds), or null if none within the horizon.
  nextAfter(afterMs: number, horizonMs: number = CRON_HORIZON_MS): number | null {
    const next = this.cron.nextRun(new Date(afterMs))?.getTime() ?? null;
    return next === null || next > afterMs + horizonMs ? null : next;
  }
}

// UTC as a fixed offset rather than `timezone: 'UTC'`: the same times without Intl lookups, ~35× faster per search
// (overrun counting may search 100 000 times).
function cronerOptions(checked: CheckedCron): ConstructorParameters<typeof CronPattern>[2] & { utcOffset: number; domAndDow: boolean } {
  const quartz = checked.dialect === 'quartz';
  return {
    utcOffset: 0,
    mode: quartz ? '7-part' : '5-part',
    alternativeWeekdays: quartz,
    domAndDow: checked.dayMatch === 'and',
  };
}

// Shorthand for the scheduler and the dry-run endpoint: accepts text or a parsed expression.
export function nextFireAfter(expression: string | CronExpression, afterMs: number, horizonMs?: number): number | null {
  const cron = typeof expression === 'string' ? CronExpression.parse(expression) : expression;
  return cron.nextAfter(afterMs, horizonMs);
}
