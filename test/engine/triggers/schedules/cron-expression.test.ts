import { expect } from 'chai';
import { CronExpression, CronSyntaxError, nextFireAfter } from '../../../../src/engine/triggers/schedules/cron-expression.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

// The next `n` fire times after `from`, as ISO strings.
function fires(expr: string, from: string, n: number): string[] {
  const cron = CronExpression.parse(expr);
  const out: string[] = [];
  let t: number | null = at(from);
  for (let i = 0; i < n && t !== null; i++) {
    t = cron.nextAfter(t);
    if (t !== null) out.push(iso(t)!);
  }
  return out;
}

const weekdaysOf = (expr: string, from: string, n: number): number[] =>
  [...new Set(fires(expr, from, n).map((s) => new Date(s).getUTCDay()))].sort();

describe('engine/triggers/cron-expression', () => {
  describe('Quartz day-of-week numbering (1 = Sunday)', () => {
    it("`0 0 6 * * 1-5` is Sunday to Thursday, not the docs' weekdays", () => {
      expect(fires('0 0 6 * * 1-5', '2025-01-02T07:00:00Z', 6)).to.deep.equal([
        '2025-01-05T06:00:00.000Z', // Sun
        '2025-01-06T06:00:00.000Z',
        '2025-01-07T06:00:00.000Z',
        '2025-01-08T06:00:00.000Z',
        '2025-01-09T06:00:00.000Z', // Thu
        '2025-01-12T06:00:00.000Z', // Sun again: Fri and Sat are skipped
      ]);
      expect(weekdaysOf('0 0 6 * * 1-5', '2025-01-01T00:00:00Z', 30)).to.deep.equal([0, 1, 2, 3, 4]);
    });

    it('`MON-FRI` means weekdays, names in any case', () => {
      expect(weekdaysOf('0 0 6 * * MON-FRI', '2025-01-01T00:00:00Z', 30)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(weekdaysOf('0 0 6 * * mon-Fri', '2025-01-01T00:00:00Z', 30)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(weekdaysOf('0 0 6 * * 2-6', '2025-01-01T00:00:00Z', 30)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(weekdaysOf('0 0 0 * * SUN,sat', '2025-01-01T00:00:00Z', 10)).to.deep.equal([0, 6]);
      expect(weekdaysOf('0 0 0 * * 1', '2025-01-01T00:00:00Z', 5)).to.deep.equal([0]);
      expect(weekdaysOf('0 0 0 * * 7', '2025-01-01T00:00:00Z', 5)).to.deep.equal([6]);
      expect(weekdaysOf('0 0 0 ? * Thurs', '2025-01-01T00:00:00Z', 5)).to.deep.equal([4]);
    });

    it('rejects 0 and 8 with a message that explains the numbering', () => {
      expect(() => CronExpression.parse('0 0 0 * * 0')).to.throw(
        CronSyntaxError,
        "invalid cron syntax: day-of-week value 0 is out of range 1-7 (Quartz numbering: 1 = Sunday",
      );
      expect(() => CronExpression.parse('0 0 0 * * 0-4')).to.throw("day-of-week value 0 is out of range 1-7");
      expect(() => CronExpression.parse('0 0 0 * * 8')).to.throw("day-of-week value 8 is out of range 1-7");
    });

    it('ANDs day-of-month and day-of-week, as the cron crate does', () => {
      // Friday the 13th: only days that are both.
      const friday13 = fires('0 0 0 13 * FRI', '2025-01-01T00:00:00Z', 3);
      expect(friday13).to.deep.equal(['2025-06-13T00:00:00.000Z', '2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z']);
      for (const f of friday13) expect(new Date(f).getUTCDay()).to.equal(5);
    });
  });

  describe('fields', () => {
    it('handles seconds, lists, ranges and steps', () => {
      expect(fires('*/20 * * * * *', '2025-01-01T00:00:00Z', 4).map((s) => s.slice(11, 19))).to.deep.equal([
        '00:00:20',
        '00:00:40',
        '00:01:00',
        '00:01:20',
      ]);
      expect(CronExpression.parse('1-10/3 * * * * *').fields.seconds).to.deep.equal([1, 4, 7, 10]);
      expect(CronExpression.parse('5/15 * * * * *').fields.seconds).to.deep.equal([5, 20, 35, 50]);
      expect(CronExpression.parse('0 0,30 8-10 * * *').fields.hours).to.deep.equal([8, 9, 10]);
      expect(CronExpression.parse('0 0 0 * JAN,jul,December *').fields.months).to.deep.equal([1, 7, 12]);
      expect(CronExpression.parse('0 0 0 * MAR-MAY/2 *').fields.months).to.deep.equal([3, 5]);
      expect(CronExpression.parse('0 0 0 ? * *').fields.daysOfMonth).to.have.length(31);
    });

    it('supports a 7th year field', () => {
      expect(iso(nextFireAfter('0 0 12 1 1 * 2027', at('2025-06-01T00:00:00Z')))).to.equal('2027-01-01T12:00:00.000Z');
      expect(iso(nextFireAfter('0 30 9 * * * 2025', at('2025-12-31T09:30:00Z')))).to.equal(null);
      expect(iso(nextFireAfter('0 0 0 1 1 * 2020', at('2025-01-01T00:00:00Z')))).to.equal(null);
      expect(iso(nextFireAfter('0 0 0 1 1 * 2026-2030/2', at('2026-01-01T00:00:00Z')))).to.equal('2028-01-01T00:00:00.000Z');
      expect(iso(nextFireAfter('0 0 0 1 1 * *', at('2025-01-01T00:00:00Z')))).to.equal('2026-01-01T00:00:00.000Z');
      expect(() => CronExpression.parse('0 0 0 1 1 * 1969')).to.throw('year value 1969 is out of range 1970-2100');
    });

    it('stops where the cron crate stops (2100) and after ~5 years', () => {
      expect(nextFireAfter('0 0 0 1 1 *', at('2100-06-01T00:00:00Z'))).to.equal(null);
      expect(nextFireAfter('0 0 0 1 1 * 2040', at('2025-01-01T00:00:00Z'))).to.equal(null);
      expect(iso(nextFireAfter('0 0 0 1 1 * 2040', at('2025-01-01T00:00:00Z'), 20 * 366 * 86_400_000))).to.equal(
        '2040-01-01T00:00:00.000Z',
      );
      expect(nextFireAfter('0 0 0 30 2 *', at('2025-01-01T00:00:00Z'))).to.equal(null);
    });
  });

  describe('shortcuts', () => {
    const from = '2025-03-04T10:30:00Z'; // a Tuesday
    const cases: Array<[string, string]> = [
      ['@yearly', '2026-01-01T00:00:00.000Z'],
      ['@annually', '2026-01-01T00:00:00.000Z'],
      ['@monthly', '2025-04-01T00:00:00.000Z'],
      ['@weekly', '2025-03-09T00:00:00.000Z'],
      ['@daily', '2025-03-05T00:00:00.000Z'],
      ['@midnight', '2025-03-05T00:00:00.000Z'],
      ['@hourly', '2025-03-04T11:00:00.000Z'],
      ['  @HOURLY ', '2025-03-04T11:00:00.000Z'],
    ];
    for (const [expr, next] of cases) {
      it(`${expr.trim()} fires next at ${next}`, () => expect(iso(nextFireAfter(expr, at(from))), expr).to.equal(next));
    }

    it('rejects unknown shortcuts', () => {
      expect(() => CronExpression.parse('@reboot')).to.throw("invalid cron syntax: unknown shortcut '@reboot'");
    });
  });

  describe('classic 5-field expressions (beyond upstream)', () => {
    it('`*/15 * * * *` fires every quarter hour on second 0', () => {
      expect(fires('*/15 * * * *', '2025-01-01T00:07:30Z', 4)).to.deep.equal([
        '2025-01-01T00:15:00.000Z',
        '2025-01-01T00:30:00.000Z',
        '2025-01-01T00:45:00.000Z',
        '2025-01-01T01:00:00.000Z',
      ]);
    });

    it('`0 9 * * 1-5` is Monday to Friday (0 and 7 are Sunday)', () => {
      expect(fires('0 9 * * 1-5', '2025-01-03T10:00:00Z', 2)).to.deep.equal(['2025-01-06T09:00:00.000Z', '2025-01-07T09:00:00.000Z']);
      expect(weekdaysOf('0 9 * * 1-5', '2025-01-01T00:00:00Z', 30)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(weekdaysOf('0 0 * * 0', '2025-01-01T00:00:00Z', 5)).to.deep.equal([0]);
      expect(weekdaysOf('0 0 * * 7', '2025-01-01T00:00:00Z', 5)).to.deep.equal([0]);
      expect(weekdaysOf('0 0 * * 5-7', '2025-01-01T00:00:00Z', 9)).to.deep.equal([0, 5, 6]);
      expect(weekdaysOf('0 0 * * SAT,sun', '2025-01-01T00:00:00Z', 9)).to.deep.equal([0, 6]);
      expect(() => CronExpression.parse('0 0 * * 8')).to.throw('day-of-week value 8 is out of range 0-7');
    });

    it('ORs day-of-month and day-of-week when both are restricted, as Vixie cron does', () => {
      // The 13th or any Friday.
      expect(fires('0 0 13 * 5', '2025-01-01T00:00:00Z', 4)).to.deep.equal([
        '2025-01-03T00:00:00.000Z',
        '2025-01-10T00:00:00.000Z',
        '2025-01-13T00:00:00.000Z',
        '2025-01-17T00:00:00.000Z',
      ]);
      // A field starting with `*` counts as unrestricted, so this is "odd days that are Mondays" (Vixie's quirk).
      for (const f of fires('0 0 */2 * 1', '2025-01-01T00:00:00Z', 6)) {
        const d = new Date(f);
        expect(d.getUTCDay()).to.equal(1);
        expect(d.getUTCDate() % 2).to.equal(1);
      }
      expect(CronExpression.parse('0 0 1 * *').fields.dayMatch).to.equal('and');
      expect(CronExpression.parse('0 0 1 * MON').fields.dayMatch).to.equal('or');
    });
  });

  describe('calendar edges', () => {
    it('finds leap days', () => {
      expect(iso(nextFireAfter('0 0 0 29 2 *', at('2025-01-01T00:00:00Z')))).to.equal('2028-02-29T00:00:00.000Z');
      expect(iso(nextFireAfter('0 0 0 29 2 *', at('2028-02-29T00:00:00Z')))).to.equal('2032-02-29T00:00:00.000Z');
      expect(iso(nextFireAfter('0 0 0 29 FEB *', at('2096-03-01T00:00:00Z')))).to.equal(null); // 2100 is not a leap year
      expect(iso(nextFireAfter('0 0 0 29 2 *', at('2023-12-31T23:59:59Z')))).to.equal('2024-02-29T00:00:00.000Z');
    });

    it('skips months without the day', () => {
      expect(fires('0 0 0 31 * *', '2025-01-31T00:00:00Z', 3)).to.deep.equal([
        '2025-03-31T00:00:00.000Z',
        '2025-05-31T00:00:00.000Z',
        '2025-07-31T00:00:00.000Z',
      ]);
      expect(fires('0 0 0 30 * *', '2025-01-30T12:00:00Z', 2)).to.deep.equal(['2025-03-30T00:00:00.000Z', '2025-04-30T00:00:00.000Z']);
      expect(iso(nextFireAfter('59 59 23 31 12 *', at('2025-06-01T00:00:00Z')))).to.equal('2025-12-31T23:59:59.000Z');
      expect(iso(nextFireAfter('0 0 0 1 * *', at('2025-12-31T23:59:59.999Z')))).to.equal('2026-01-01T00:00:00.000Z');
    });

    it('is strictly after, to whole seconds', () => {
      const t = at('2025-01-01T00:00:00Z');
      expect(nextFireAfter('* * * * * *', t)).to.equal(t + 1000);
      expect(nextFireAfter('* * * * * *', t + 1)).to.equal(t + 1000);
      expect(nextFireAfter('* * * * * *', t + 999)).to.equal(t + 1000);
      expect(nextFireAfter('* * * * * *', t - 1)).to.equal(t);
      expect(nextFireAfter('0 0 0 * * *', t)).to.equal(t + 86_400_000);
      expect(nextFireAfter('* * * * *', t)).to.equal(t + 60_000);
    });

    it('uses UTC whatever the process time zone', () => {
      const saved = process.env.TZ;
      process.env.TZ = 'Europe/Berlin';
      try {
        // 2025-03-30 02:30 does not exist in Berlin local time; in UTC it is an ordinary time.
        expect(iso(nextFireAfter('0 30 2 * * *', at('2025-03-30T00:00:00Z')))).to.equal('2025-03-30T02:30:00.000Z');
        expect(fires('0 30 1 * * *', '2025-10-25T12:00:00Z', 2)).to.deep.equal(['2025-10-26T01:30:00.000Z', '2025-10-27T01:30:00.000Z']);
      } finally {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      }
    });

    it('matches() agrees with the fire times', () => {
      const cron = CronExpression.parse('0 */10 * * * MON');
      const next = cron.nextAfter(at('2025-01-01T00:00:00Z'))!;
      expect(iso(next)).to.equal('2025-01-06T00:00:00.000Z'); // the first Monday
      expect(cron.matches(next)).to.equal(true);
      expect(cron.matches(next + 1000)).to.equal(false);
    });
  });

  describe('syntax errors name the field and value', () => {
    const cases: Array<[string, string]> = [
      ['* * * * * * * *', 'expected 6 or 7 fields'],
      ['* * * *', 'got 4'],
      ['60 * * * * *', 'seconds value 60 is out of range 0-59'],
      ['* 60 * * * *', 'minutes value 60 is out of range 0-59'],
      ['* * 24 * * *', 'hours value 24 is out of range 0-23'],
      ['* * * 0 * *', 'day-of-month value 0 is out of range 1-31'],
      ['* * * 32 * *', 'day-of-month value 32'],
      ['* * * * 13 *', 'month value 13 is out of range 1-12'],
      ['* * * * FOO *', "invalid month value 'FOO'"],
      ['* * * * * FUNDAY', "invalid day-of-week value 'FUNDAY'"],
      ['? * * * * *', "'?' is only allowed in day-of-month and day-of-week"],
      ['*/0 * * * * *', "step '0' must be between 1 and 59 in seconds field"],
      ['*/x * * * * *', "step 'x'"],
      ['5-1 * * * * *', "range '5-1' ends before it starts in seconds field"],
      ['1-2-3 * * * * *', "invalid range '1-2-3'"],
      ['1,,2 * * * * *', 'empty list item in seconds field'],
      ['0 0 0 L * *', "invalid day-of-month value 'L'"],
      ['0 0 0 * * 2#1', "invalid day-of-week value '2#1'"],
      ['* * * * * * 1969', 'year value 1969'],
      ['', 'expression is empty'],
    ];
    for (const [expr, detail] of cases) {
      it(`'${expr}' → ${detail}`, () => {
        expect(() => CronExpression.parse(expr)).to.throw(CronSyntaxError, 'invalid cron syntax: ');
        expect(() => CronExpression.parse(expr)).to.throw(detail);
      });
    }
  });
});
