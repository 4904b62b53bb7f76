import { type CronDialect, type CronFields, parseCronFields } from './cron-fields.js';

// Callers need only this module: the error class and field types live with the field parser.
export { CronSyntaxError, type CronDialect, type CronFields } from './cron-fields.js';

const DAY_MS = 86_400_000;
// How far ahead `nextAfter` looks by default before answering "never" (~5 years).
export const CRON_HORIZON_MS = 5 * 366 * DAY_MS;
const QUARTZ_MIN_YEAR = 1970;
const QUARTZ_MAX_YEAR = 2100;

// For each value v, the smallest allowed value >= v, or -1; this is what lets the search skip by fields.
function nextTable(values: number[], size: number): Int16Array {
  const table = new Int16Array(size + 1).fill(-1);
  let next = -1;
  const allowed = new Set(values);
  for (let v = size; v >= 0; v--) {
    if (allowed.has(v)) next = v;
    table[v] = next;
  }
  return table;
}

// A parsed schedule trigger expression; evaluates in UTC to whole seconds, so there is no DST to handle.
export class CronExpression {
  readonly dialect: CronDialect;
  private readonly sec: Int16Array;
  private readonly min: Int16Array;
  private readonly hour: Int16Array;
  private readonly month: Int16Array;
  private readonly dom: Uint8Array;
  private readonly dow: Uint8Array;
  private readonly years: number[] | null;
  private readonly maxYear: number;

  private constructor(
    readonly source: string,
    readonly fields: CronFields,
  ) {
    this.dialect = fields.dialect;
    this.sec = nextTable(fields.seconds, 59);
    this.min = nextTable(fields.minutes, 59);
    this.hour = nextTable(fields.hours, 23);
    this.month = nextTable(fields.months, 12);
    this.dom = new Uint8Array(32);
    for (const d of fields.daysOfMonth) this.dom[d] = 1;
    this.dow = new Uint8Array(7);
    for (const d of fields.daysOfWeek) this.dow[d] = 1;
    this.years = fields.years;
    const unbounded = fields.dialect === 'classic' ? Number.POSITIVE_INFINITY : QUARTZ_MAX_YEAR;
    this.maxYear = this.years ? this.years[this.years.length - 1]! : unbounded;
  }

  // Throws CronSyntaxError (`invalid cron syntax: …`) naming the field and value at fault.
  static parse(expression: string): CronExpression {
    return new CronExpression(expression.trim(), parseCronFields(expression));
  }

  // Whether the whole UTC second containing `ms` is a fire time.
  matches(ms: number): boolean {
    const d = new Date(ms);
    return (
      this.yearAllowed(d.getUTCFullYear()) &&
      this.month[d.getUTCMonth() + 1] === d.getUTCMonth() + 1 &&
      this.dayAllowed(d.getUTCDate(), d.getUTCDay()) &&
      this.hour[d.getUTCHours()] === d.getUTCHours() &&
      this.min[d.getUTCMinutes()] === d.getUTCMinutes() &&
      this.sec[d.getUTCSeconds()] === d.getUTCSeconds()
    );
  }

  // The first fire time strictly after `afterMs` (epoch ms, whole seconds), or null if none within the horizon.
  nextAfter(afterMs: number, horizonMs: number = CRON_HORIZON_MS): number | null {
    let t = Math.floor(afterMs / 1000) * 1000 + 1000;
    const limit = afterMs + horizonMs;
    while (t <= limit) {
      const d = new Date(t);
      const y = d.getUTCFullYear();
      const mo = d.getUTCMonth() + 1;
      const day = d.getUTCDate();
      const h = d.getUTCHours();
      const mi = d.getUTCMinutes();
      if (y > this.maxYear) return null;
      if (!this.yearAllowed(y)) {
        const ny = this.nextYear(y);
        if (ny === null) return null;
        t = Date.UTC(ny, 0, 1);
        continue;
      }
      const nm = this.month[mo]!;
      if (nm !== mo) {
        t = nm === -1 ? Date.UTC(y + 1, 0, 1) : Date.UTC(y, nm - 1, 1);
        continue;
      }
      if (!this.dayAllowed(day, d.getUTCDay())) {
        t = Date.UTC(y, mo - 1, day + 1);
        continue;
      }
      const nh = this.hour[h]!;
      if (nh !== h) {
        t = nh === -1 ? Date.UTC(y, mo - 1, day + 1) : Date.UTC(y, mo - 1, day, nh);
        continue;
      }
      const nmi = this.min[mi]!;
      if (nmi !== mi) {
        t = nmi === -1 ? Date.UTC(y, mo - 1, day, h + 1) : Date.UTC(y, mo - 1, day, h, nmi);
        continue;
      }
      const s = d.getUTCSeconds();
      const ns = this.sec[s]!;
      if (ns !== s) {
        t = ns === -1 ? Date.UTC(y, mo - 1, day, h, mi + 1) : Date.UTC(y, mo - 1, day, h, mi, ns);
        continue;
      }
      return t;
    }
    return null;
  }

  private yearAllowed(y: number): boolean {
    if (this.years) return this.years.includes(y);
    return this.dialect === 'classic' || (y >= QUARTZ_MIN_YEAR && y <= QUARTZ_MAX_YEAR);
  }

  private nextYear(y: number): number | null {
    if (!this.years) return y < QUARTZ_MIN_YEAR ? QUARTZ_MIN_YEAR : null;
    return this.years.find((v) => v > y) ?? null;
  }

  private dayAllowed(dom: number, dow: number): boolean {
    const a = this.dom[dom] === 1;
    const b = this.dow[dow] === 1;
    return this.fields.dayMatch === 'and' ? a && b : a || b;
  }
}

// Shorthand for the scheduler and the dry-run endpoint: accepts text or a parsed expression.
export function nextFireAfter(expression: string | CronExpression, afterMs: number, horizonMs?: number): number | null {
  const cron = typeof expression === 'string' ? CronExpression.parse(expression) : expression;
  return cron.nextAfter(afterMs, horizonMs);
}
