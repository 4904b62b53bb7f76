import { expect } from 'chai';
import fc from 'fast-check';
import { CronExpression } from '../../../../src/engine/triggers/schedules/cron-expression.js';

// A generated field: its text and, independently of the parser, the values it stands for.
interface GenField {
  text: string;
  values: number[];
}

const range = (lo: number, hi: number, step = 1): number[] => {
  const out: number[] = [];
  for (let v = lo; v <= hi; v += step) out.push(v);
  return out;
};

function fieldArb(lo: number, hi: number): fc.Arbitrary<GenField> {
  const value = fc.integer({ min: lo, max: hi });
  const pair = fc.tuple(value, value).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);
  const step = fc.integer({ min: 1, max: Math.min(hi, 20) });
  const single: fc.Arbitrary<GenField> = value.map((v) => ({ text: String(v), values: [v] }));
  const span: fc.Arbitrary<GenField> = pair.map(([a, b]) => ({ text: `${a}-${b}`, values: range(a, b) }));
  const list: fc.Arbitrary<GenField> = fc
    .array(fc.oneof(single, span), { minLength: 2, maxLength: 3 })
    .map((items) => ({ text: items.map((i) => i.text).join(','), values: [...new Set(items.flatMap((i) => i.values))] }));
  return fc.oneof(
    { arbitrary: fc.constant({ text: '*', values: range(lo, hi) }), weight: 4 },
    { arbitrary: single, weight: 2 },
    { arbitrary: span, weight: 2 },
    { arbitrary: step.map((n) => ({ text: `*/${n}`, values: range(lo, hi, n) })), weight: 2 },
    { arbitrary: fc.tuple(pair, step).map(([[a, b], n]) => ({ text: `${a}-${b}/${n}`, values: range(a, b, n) })), weight: 1 },
    { arbitrary: list, weight: 1 },
  );
}

// An independent model of one expression: which seconds match, decided from the generated value sets.
interface Model {
  expr: string;
  sec: Set<number>;
  min: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>; // JS numbering, 0 = Sunday
  or: boolean;
}

const quartzArb: fc.Arbitrary<Model> = fc
  .tuple(fieldArb(0, 59), fieldArb(0, 59), fieldArb(0, 23), fieldArb(1, 31), fieldArb(1, 12), fieldArb(1, 7))
  .map(([s, m, h, dom, mo, dow]) => ({
    expr: [s, m, h, dom, mo, dow].map((f) => f.text).join(' '),
    sec: new Set(s.values),
    min: new Set(m.values),
    hour: new Set(h.values),
    dom: new Set(dom.values),
    month: new Set(mo.values),
    dow: new Set(dow.values.map((d) => d - 1)),
    or: false,
  }));

const classicArb: fc.Arbitrary<Model> = fc
  .tuple(fieldArb(0, 59), fieldArb(0, 23), fieldArb(1, 31), fieldArb(1, 12), fieldArb(0, 7))
  .map(([m, h, dom, mo, dow]) => ({
    expr: [m, h, dom, mo, dow].map((f) => f.text).join(' '),
    sec: new Set([0]),
    min: new Set(m.values),
    hour: new Set(h.values),
    dom: new Set(dom.values),
    month: new Set(mo.values),
    dow: new Set(dow.values.map((d) => d % 7)),
    or: !dom.text.startsWith('*') && !dow.text.startsWith('*'),
  }));

const DAY_MS = 86_400_000;
const WINDOW_DAYS = 4 * 365;

function dayMatches(model: Model, dayStartMs: number): boolean {
  // Quartz stops after 2100; the generated `after` stays far enough before it for the window.
  const d = new Date(dayStartMs);
  if (!model.month.has(d.getUTCMonth() + 1)) return false;
  const a = model.dom.has(d.getUTCDate());
  const b = model.dow.has(d.getUTCDay());
  return model.or ? a || b : a && b;
}

// Brute force: every second of every matching day, from the second after `afterMs`, over a bounded window.
function bruteForce(model: Model, afterMs: number): number | null {
  const start = Math.floor(afterMs / 1000) * 1000 + 1000;
  const firstDay = Math.floor(start / DAY_MS) * DAY_MS;
  for (let day = firstDay; day < firstDay + WINDOW_DAYS * DAY_MS; day += DAY_MS) {
    if (!dayMatches(model, day)) continue;
    for (let s = day === firstDay ? (start - day) / 1000 : 0; s < 86_400; s++) {
      if (model.hour.has(Math.floor(s / 3600)) && model.min.has(Math.floor(s / 60) % 60) && model.sec.has(s % 60)) {
        return day + s * 1000;
      }
    }
  }
  return null;
}

const afterArb = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2090, 0, 1) });

function check(model: Model, afterMs: number): void {
  const cron = CronExpression.parse(model.expr);
  const next = cron.nextAfter(afterMs);
  const expected = bruteForce(model, afterMs);
  const label = `${model.expr} after ${new Date(afterMs).toISOString()}`;
  if (expected === null) {
    // Nothing in the brute-force window: the search may still find something later, but never earlier.
    if (next !== null) expect(next, label).to.be.greaterThan(afterMs + (WINDOW_DAYS - 1) * DAY_MS);
    return;
  }
  expect(next, label).to.equal(expected);
  expect(next!, label).to.be.greaterThan(afterMs);
  expect(cron.matches(next!), label).to.equal(true);
}

describe('engine/triggers/cron-expression (properties)', () => {
  it('Quartz: nextFireAfter is the first matching second strictly after', () => {
    fc.assert(fc.property(quartzArb, afterArb, (model, after) => check(model, after)), { numRuns: 200 });
  });

  it('classic: nextFireAfter is the first matching minute strictly after (Vixie dom/dow rule)', () => {
    fc.assert(fc.property(classicArb, afterArb, (model, after) => check(model, after)), { numRuns: 200 });
  });

  it('dense expressions near the start are found exactly', () => {
    const dense = fc
      .tuple(fieldArb(0, 59), fieldArb(0, 59), fieldArb(0, 23))
      .map(([s, m, h]): Model => ({
        expr: `${s.text} ${m.text} ${h.text} * * *`,
        sec: new Set(s.values),
        min: new Set(m.values),
        hour: new Set(h.values),
        dom: new Set(range(1, 31)),
        month: new Set(range(1, 12)),
        dow: new Set(range(0, 6)),
        or: false,
      }));
    fc.assert(fc.property(dense, afterArb, (model, after) => check(model, after)), { numRuns: 300 });
  });
});
