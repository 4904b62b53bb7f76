import { expect } from 'chai';
import { AppError } from '../../../src/shared/app-error.js';
import {
  DEFAULT_TRIGGER_SETTINGS,
  parseArgumentList,
  parseErrorBehavior,
  parseTriggerArguments,
  parseTriggerSettings,
  triggerSettingsToJson,
} from '../../../src/engine/triggers/trigger-settings.js';

describe('engine/triggers/trigger-settings', () => {
  describe('parseTriggerSettings', () => {
    it('defaults missing settings and keys (the docs send {})', () => {
      expect(parseTriggerSettings(undefined)).to.deep.equal({ runAsync: false, errorBehavior: 'log' });
      expect(parseTriggerSettings(null)).to.deep.equal({ runAsync: false, errorBehavior: 'log' });
      expect(parseTriggerSettings({})).to.deep.equal({ runAsync: false, errorBehavior: 'log' });
      expect(parseTriggerSettings({ run_async: true })).to.deep.equal({ runAsync: true, errorBehavior: 'log' });
      expect(parseTriggerSettings({ error_behavior: 'retry' })).to.deep.equal({ runAsync: false, errorBehavior: 'retry' });
      expect(parseTriggerSettings({ run_async: null, error_behavior: null })).to.deep.equal(DEFAULT_TRIGGER_SETTINGS);
    });

    it('accepts any casing of the behaviour (the docs write Log)', () => {
      expect(parseTriggerSettings({ run_async: false, error_behavior: 'Log' }).errorBehavior).to.equal('log');
      expect(parseTriggerSettings({ run_async: false, error_behavior: 'RETRY' }).errorBehavior).to.equal('retry');
      expect(parseTriggerSettings({ run_async: false, error_behavior: 'Disable' }).errorBehavior).to.equal('disable');
      expect(parseErrorBehavior(' disable ')).to.equal('disable');
    });

    it('rejects unknown behaviours naming the value and the accepted ones', () => {
      let caught: unknown;
      try {
        parseTriggerSettings({ error_behavior: 'explode' });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(AppError);
      expect((caught as AppError).status).to.equal(400);
      expect((caught as AppError).message).to.equal("invalid error behavior 'explode': expected one of log, retry, disable");
      expect(() => parseErrorBehavior(3)).to.throw('invalid error behavior 3: expected one of log, retry, disable');
    });

    it('rejects a non-boolean run_async and a non-object', () => {
      expect(() => parseTriggerSettings({ run_async: 'yes' })).to.throw('invalid run_async "yes": expected true or false');
      expect(() => parseTriggerSettings('log')).to.throw('invalid trigger_settings "log"');
      expect(() => parseTriggerSettings([])).to.throw('invalid trigger_settings []');
    });

    it('renders the upstream JSON shape', () => {
      expect(triggerSettingsToJson({ runAsync: true, errorBehavior: 'disable' })).to.deep.equal({ run_async: true, error_behavior: 'disable' });
    });
  });

  describe('parseTriggerArguments', () => {
    it('keeps null as null and {} as {}', () => {
      expect(parseTriggerArguments(null)).to.equal(null);
      expect(parseTriggerArguments(undefined)).to.equal(null);
      expect(parseTriggerArguments({})).to.deep.equal({});
      expect(parseTriggerArguments({ key1: 'value1', key2: 'value2' })).to.deep.equal({ key1: 'value1', key2: 'value2' });
    });

    it('names the key of a non-string value', () => {
      expect(() => parseTriggerArguments({ ok: 'x', count: 3 })).to.throw("invalid trigger argument 'count': value 3 is not a string");
      expect(() => parseTriggerArguments({ nested: { a: 1 } })).to.throw("invalid trigger argument 'nested'");
      expect(() => parseTriggerArguments({ n: null })).to.throw("invalid trigger argument 'n': value null is not a string");
      expect(() => parseTriggerArguments(['a=b'])).to.throw('invalid trigger_arguments');
      expect(() => parseTriggerArguments('a=b')).to.throw('invalid trigger_arguments');
    });
  });

  describe('parseArgumentList (CLI form)', () => {
    it('splits on , and each item on its first =', () => {
      expect(parseArgumentList('k1=v1,k2=v2')).to.deep.equal({ k1: 'v1', k2: 'v2' });
      expect(parseArgumentList('arg1=arg1_value,host=s2')).to.deep.equal({ arg1: 'arg1_value', host: 's2' });
      expect(parseArgumentList('expr=a=b=c')).to.deep.equal({ expr: 'a=b=c' });
      expect(parseArgumentList('empty=')).to.deep.equal({ empty: '' });
      expect(parseArgumentList('k=1,k=2')).to.deep.equal({ k: '2' });
      expect(parseArgumentList('')).to.deep.equal({});
    });

    it('names an item without = or with an empty key', () => {
      expect(() => parseArgumentList('k1=v1,oops')).to.throw("invalid trigger argument 'oops': expected key=value, but it has no '='");
      expect(() => parseArgumentList('=v')).to.throw("invalid trigger argument '=v': expected key=value, but the key is empty");
      expect(() => parseArgumentList('a=1,,b=2')).to.throw("invalid trigger argument ''");
    });
  });
});
