import { expect } from 'chai';
import { PluginLogStore } from '../../../src/engine/plugin-logs/plugin-log-store.js';
import { FakeClock } from '../fake-clock.js';

describe('engine/plugin-logs/plugin-log-store', () => {
  it('keeps the newest entries up to its capacity, oldest first, with ns event times', () => {
    const clock = new FakeClock();
    const store = new PluginLogStore({ capacity: 3, clock });
    store.add('db1', 't1', 'INFO', 'one');
    store.add('db2', 't2', 'WARN', 'two');
    store.add('db1', 't1', 'ERROR', 'three');
    store.add('db1', 't1', 'INFO', 'four');
    expect(store.size).to.equal(3);
    expect(store.entries().map((e) => e.log_text)).to.deep.equal(['two', 'three', 'four']);
    expect(store.entries({ trigger: 't1' }).map((e) => `${e.log_level}:${e.log_text}`)).to.deep.equal(['ERROR:three', 'INFO:four']);
    expect(store.entries()[0]).to.deep.equal({ event_time: clock.nowNs(), database: 'db2', trigger_name: 't2', log_level: 'WARN', log_text: 'two' });
    expect(store.entries({ database: 'db2' }).map((e) => e.log_text)).to.deep.equal(['two']);
    store.clear();
    expect(store.entries()).to.deep.equal([]);
  });

  it('defaults to upstream capacity of 10 000', () => {
    const store = new PluginLogStore();
    for (let i = 0; i < 10_005; i++) store.add('db', 't', 'INFO', String(i));
    expect(store.size).to.equal(10_000);
    expect(store.entries()[0]!.log_text).to.equal('5');
  });
});
