import { expect } from 'chai';
import { parseCpuLimit, parseMaxProcesses, parseMemoryLimit, parseTriggerLimits } from '../../../src/engine/triggers/trigger-settings.js';

describe('engine/triggers/trigger-settings: per-trigger limits', () => {
  it('reads memory_limit, cpu_limit and max_processes from trigger_settings; absent keys keep the server defaults', () => {
    expect(parseTriggerLimits({ memory_limit: '256MB', cpu_limit: 0.5, max_processes: '32' })).to.deep.equal({
      memoryLimitBytes: 256e6,
      cpuCores: 0.5,
      maxProcesses: 32,
    });
    expect(parseTriggerLimits({ run_async: true })).to.deep.equal({ memoryLimitBytes: null, cpuCores: null, maxProcesses: null });
    expect(parseTriggerLimits(undefined)).to.deep.equal({ memoryLimitBytes: null, cpuCores: null, maxProcesses: null });
  });

  it('takes memory in bytes or with a unit (k/M/G binary, kB/MB/GB decimal)', () => {
    expect(parseMemoryLimit(268435456)).to.equal(268435456);
    expect(parseMemoryLimit('1G')).to.equal(1024 ** 3);
    expect(parseMemoryLimit('512MiB')).to.equal(512 * 1024 ** 2);
  });

  it('rejects bad values, naming them', () => {
    expect(() => parseMemoryLimit('lots')).to.throw(`invalid memory_limit 'lots': expected bytes, e.g. 268435456 or "256MB"`);
    expect(() => parseMemoryLimit('1MB')).to.throw(`invalid memory_limit '1MB': at least 32MiB is needed to run Python`);
    expect(() => parseCpuLimit('-1')).to.throw(`invalid cpu_limit '-1'`);
    expect(() => parseCpuLimit(0)).to.throw('invalid cpu_limit 0');
    expect(() => parseMaxProcesses(2.5)).to.throw('invalid max_processes 2.5: expected a whole number from 8 to 1000000');
    expect(() => parseMaxProcesses('many')).to.throw(`invalid max_processes 'many'`);
  });
});
