import { expect } from 'chai';
import { AppError } from '../../../src/shared/app-error.js';
import {
  type TriggerKind,
  canonicalSpec,
  checkAllowedKind,
  parseTriggerSpec,
  specToSerdeJson,
  upstreamKindName,
} from '../../../src/engine/triggers/trigger-spec.js';

const FORMS_HINT =
  "expect one of the following forms: 'table:<TABLE_NAME>', 'all_tables', 'cron:<CRON_EXPRESSION>', 'every:<DURATION>', or 'request:<PATH>'";

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an error');
}

describe('engine/triggers/trigger-spec', () => {
  describe('parseTriggerSpec', () => {
    it('parses table: and trims around the prefix and the name', () => {
      expect(parseTriggerSpec('table:cpu')).to.deep.equal({ kind: 'wal', form: 'table', table: 'cpu' });
      expect(parseTriggerSpec('  table:   cpu  ')).to.deep.equal({ kind: 'wal', form: 'table', table: 'cpu' });
    });

    it('rejects an empty table name with upstream text', () => {
      for (const spec of ['table:', 'table:   ', '  table:']) {
        const err = errorOf(() => parseTriggerSpec(spec));
        expect(err.message).to.equal('failed to parse trigger from table:: table name is empty');
        expect(err.status).to.equal(500);
      }
    });

    it('accepts all_tables exactly (after trimming)', () => {
      expect(parseTriggerSpec('all_tables')).to.deep.equal({ kind: 'wal', form: 'all_tables' });
      expect(parseTriggerSpec('  all_tables\n')).to.deep.equal({ kind: 'wal', form: 'all_tables' });
      for (const spec of ['all_tables:', 'ALL_TABLES', 'all_tables:cpu', 'all_table']) {
        expect(() => parseTriggerSpec(spec)).to.throw(FORMS_HINT);
      }
    });

    it('parses cron: with 6, 7 and 5 fields and shortcuts', () => {
      expect(parseTriggerSpec('cron:* * * * * *')).to.deep.equal({ kind: 'schedule', form: 'cron', expression: '* * * * * *' });
      expect(parseTriggerSpec('cron:   0 0 6 * * MON-FRI  ')).to.deep.equal({
        kind: 'schedule',
        form: 'cron',
        expression: '0 0 6 * * MON-FRI',
      });
      expect(parseTriggerSpec('cron:0 0 0 1 1 * 2030').kind).to.equal('schedule');
      expect(parseTriggerSpec('cron:*/15 * * * *').kind).to.equal('schedule');
      expect(parseTriggerSpec('cron:@daily').kind).to.equal('schedule');
    });

    it('reports cron errors as invalid cron syntax', () => {
      expect(() => parseTriggerSpec('cron:')).to.throw('failed to parse trigger from cron:: invalid cron syntax: expression is empty');
      expect(() => parseTriggerSpec('cron:* * *')).to.throw('invalid cron syntax: expected 6 or 7 fields');
      expect(() => parseTriggerSpec('cron:0 0 0 * * 0')).to.throw('day-of-week value 0 is out of range 1-7');
    });

    it('parses every: with humantime', () => {
      expect(parseTriggerSpec('every:10s')).to.deep.equal({ kind: 'schedule', form: 'every', durationNs: 10_000_000_000n, periodMs: 10_000 });
      expect(parseTriggerSpec('every:  1h 30m ')).to.include({ periodMs: 5_400_000 });
      expect(parseTriggerSpec('every:1ms')).to.include({ periodMs: 1 });
      expect(parseTriggerSpec('every:1y')).to.include({ periodMs: 31_557_600_000 });
    });

    it('rejects every: over 1 year, under 1 ms, 0 and garbage', () => {
      expect(() => parseTriggerSpec('every:2y')).to.throw("failed to parse trigger from every:2y: don't support every schedules of over 1 year");
      expect(() => parseTriggerSpec('every:1y 1s')).to.throw("don't support every schedules of over 1 year");
      expect(() => parseTriggerSpec('every:0s')).to.throw("every duration must be at least 1ms, got '0s'");
      expect(() => parseTriggerSpec('every:500us')).to.throw("every duration must be at least 1ms, got '500us'");
      expect(() => parseTriggerSpec('every:999999ns')).to.throw("got '999999ns'");
      expect(() => parseTriggerSpec('every:soon')).to.throw("couldn't parse to duration: invalid duration 'soon'");
      expect(() => parseTriggerSpec('every:')).to.throw("couldn't parse to duration");
    });

    it('parses request: without a leading slash', () => {
      expect(parseTriggerSpec('request:foo')).to.deep.equal({ kind: 'request', form: 'request', path: 'foo' });
      expect(parseTriggerSpec('request: a/b ')).to.deep.equal({ kind: 'request', form: 'request', path: 'a/b' });
      expect(parseTriggerSpec('request:/foo')).to.deep.equal({ kind: 'request', form: 'request', path: 'foo' });
      expect(() => parseTriggerSpec('request:')).to.throw('failed to parse trigger from request:: request path is empty');
      expect(() => parseTriggerSpec('request:  /  ')).to.throw('request path is empty');
    });

    it('rejects every other form with the list of forms', () => {
      for (const spec of ['', 'wal', 'tables:cpu', 'Table:cpu', 'schedule:* * * * * *', 'every 10s', 'http:foo']) {
        const err = errorOf(() => parseTriggerSpec(spec));
        expect(err.message).to.equal(`failed to parse trigger from ${spec.trim()}: ${FORMS_HINT}`);
      }
    });
  });

  describe('canonicalSpec', () => {
    it('re-renders every: with humantime and echoes the other forms', () => {
      const cases: Array<[string, string]> = [
        ['every:90s', 'every:1m 30s'],
        ['every:60s', 'every:1m'],
        ['every:  1h30m', 'every:1h 30m'],
        ['every:86400s', 'every:1day'],
        ['every:1500us', 'every:1ms 500us'],
        ['table:  cpu', 'table:cpu'],
        ['all_tables', 'all_tables'],
        ['cron:  */5 * * * * *', 'cron:*/5 * * * * *'],
        ['cron:@daily', 'cron:@daily'],
        ['request:hook', 'request:hook'],
      ];
      for (const [input, canonical] of cases) expect(canonicalSpec(parseTriggerSpec(input)), input).to.equal(canonical);
    });

    it('is a fixed point', () => {
      for (const input of ['every:90s', 'every:1y', 'table:m', 'cron:0 0 9 * * MON-FRI', 'request:a/b']) {
        const once = canonicalSpec(parseTriggerSpec(input));
        expect(canonicalSpec(parseTriggerSpec(once))).to.equal(once);
      }
    });
  });

  describe('specToSerdeJson', () => {
    it("matches upstream's serde form", () => {
      expect(specToSerdeJson(parseTriggerSpec('table:cpu'))).to.equal('{"single_table_wal_write":{"table_name":"cpu"}}');
      expect(specToSerdeJson(parseTriggerSpec('all_tables'))).to.equal('"all_tables_wal_write"');
      expect(specToSerdeJson(parseTriggerSpec('cron:* * * * * *'))).to.equal('{"schedule":{"schedule":"* * * * * *"}}');
      expect(specToSerdeJson(parseTriggerSpec('every:60s'))).to.equal('{"every":{"duration":{"secs":60,"nanos":0}}}');
      expect(specToSerdeJson(parseTriggerSpec('every:1s 5ms'))).to.equal('{"every":{"duration":{"secs":1,"nanos":5000000}}}');
      expect(specToSerdeJson(parseTriggerSpec('request:foo'))).to.equal('{"request_path":{"path":"foo"}}');
    });

    it('escapes names as JSON does', () => {
      const json = specToSerdeJson(parseTriggerSpec('table:we"ird'));
      expect(JSON.parse(json)).to.deep.equal({ single_table_wal_write: { table_name: 'we"ird' } });
    });
  });

  describe('kind restriction', () => {
    const scheduleOnly: TriggerKind[] = ['schedule'];

    it('names the kinds as upstream does', () => {
      expect(upstreamKindName('wal')).to.equal('WalRows');
      expect(upstreamKindName('schedule')).to.equal('Schedule');
      expect(upstreamKindName('request')).to.equal('Request');
    });

    it('rejects WAL and request triggers on a schedule-only server with 400', () => {
      for (const spec of ['all_tables', 'table:cpu']) {
        const err = errorOf(() => checkAllowedKind(parseTriggerSpec(spec), scheduleOnly));
        expect(err.message).to.equal('server is configured to reject WalRows plugin triggers');
        expect(err.status).to.equal(400);
      }
      const err = errorOf(() => checkAllowedKind(parseTriggerSpec('request:mypath'), scheduleOnly));
      expect(err.message).to.equal('server is configured to reject Request plugin triggers');
    });

    it('lets schedule triggers through, and everything through without a restriction', () => {
      expect(() => checkAllowedKind(parseTriggerSpec('every:10s'), scheduleOnly)).not.to.throw();
      expect(() => checkAllowedKind(parseTriggerSpec('cron:* * * * * *'), scheduleOnly)).not.to.throw();
      for (const spec of ['all_tables', 'table:cpu', 'request:p', 'every:1s']) {
        expect(() => checkAllowedKind(parseTriggerSpec(spec), null)).not.to.throw();
        expect(() => checkAllowedKind(parseTriggerSpec(spec), ['wal', 'schedule', 'request'])).not.to.throw();
      }
      expect(() => checkAllowedKind(parseTriggerSpec('every:1s'), ['wal'])).to.throw('reject Schedule plugin triggers');
      expect(() => checkAllowedKind(parseTriggerSpec('every:1s'), [])).to.throw('reject Schedule plugin triggers');
    });
  });
});
