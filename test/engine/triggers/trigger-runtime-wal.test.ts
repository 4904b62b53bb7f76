import { expect } from 'chai';
import { PluginCallError } from '../../../src/engine/runners/runner-errors.js';
import type { WalEvent } from '../../../src/engine/triggers/trigger-runtime.js';
import { WalBatch } from '../../../src/engine/triggers/wal/wal-batch.js';
import { WalCursor } from '../../../src/engine/triggers/wal/wal-cursor.js';
import type { ErrorBehavior } from '../../../src/engine/triggers/trigger-settings.js';
import { flushPromises } from '../fake-clock.js';
import { triggerRecord } from '../trigger-fixtures.js';
import { FakeRunner, startRuntime } from './runtime-fixtures.js';

// A batch whose payload is just its number, so the fake runner can say which batch it ran.
class NumberedBatch extends WalBatch {
  constructor(readonly v: number) {
    super('db', [{ table_name: 'cpu', rows: [{ v, time: 1n }] }]);
  }
  override get payload(): never {
    return { v: this.v } as never;
  }
}

const walEvent = (first: number, through = first): WalEvent => ({ kind: 'wal', batch: new NumberedBatch(first), firstSeq: BigInt(first), throughSeq: BigInt(through) });

// The `v` of each WAL batch the fake runner was called with.
const seenBy = (runner: FakeRunner): number[] => runner.calls.map((c) => (c.params.table_batches as unknown as { v: number }).v);

function setup(options: { behavior?: ErrorBehavior; reply?: (v: number) => Promise<void>; start?: bigint } = {}) {
  const reply = options.reply ?? (async () => undefined);
  const runner = new FakeRunner(async (_method, params) => reply((params.table_batches as unknown as { v: number }).v));
  const positions: bigint[] = [];
  const cursor = new WalCursor(options.start ?? 0n, (seq) => positions.push(seq));
  const record = triggerRecord({ settings: { runAsync: false, errorBehavior: options.behavior ?? 'log' } });
  const { runtime, clock, disabled, logs } = startRuntime(record, { start: async () => runner } as never, { walCursor: cursor });
  const push = (first: number, through = first) => runtime.push(walEvent(first, through));
  return { clock, runner, runtime, disabled, cursor, positions, push, logs };
}

describe('engine/triggers/trigger-runtime (WAL cursor)', () => {
  it('advances the cursor as batches complete, also past an error under error_behavior=log', async () => {
    const { runtime, cursor, push } = setup({ reply: async (v) => { if (v === 2) throw new PluginCallError('plugin', 'E: two'); } });
    push(1);
    push(2);
    push(3, 4);
    await flushPromises();
    expect(cursor.position).to.equal(4n);
    await runtime.stop();
  });

  it('retry holds the cursor until the retries are given up', async () => {
    const { runtime, cursor, push, clock, runner } = setup({ behavior: 'retry', reply: async () => { throw new PluginCallError('plugin', 'E: x'); } });
    push(1);
    await flushPromises();
    expect(cursor.position, 'held while retrying').to.equal(0n);
    await clock.advance(100 + 200 + 400 + 800 + 1600);
    expect(seenBy(runner)).to.have.length(6);
    expect(cursor.position, 'given up: passed').to.equal(1n);
    await runtime.stop();
  });

  it('disable keeps the cursor where the trigger stopped; a stop leaves queued batches before it', async () => {
    const { runtime, cursor, push, disabled } = setup({ behavior: 'disable', reply: async (v) => { if (v === 2) throw new PluginCallError('plugin', 'E: x'); } });
    push(1);
    push(2);
    push(3);
    await flushPromises();
    expect(disabled).to.have.length(1);
    await runtime.stop();
    expect(cursor.position).to.equal(1n);
  });

  it('a batch whose runner went away because the server is stopping is left for the next start, not logged as an error', async () => {
    let started!: () => void;
    const inCall = new Promise<void>((resolve) => (started = resolve));
    let stop!: () => void;
    const stopping = new Promise<void>((resolve) => (stop = resolve));
    const { runtime, cursor, push, logs } = setup({
      behavior: 'retry',
      reply: async () => {
        started();
        await stopping;
        throw new PluginCallError('unavailable', "plugin runner for 't' is stopped");
      },
    });
    push(1);
    await inCall;
    const stopped = runtime.stop();
    stop();
    await stopped;
    await flushPromises();
    expect(logs.entries().filter((e) => e.log_level === 'ERROR' || e.log_level === 'WARN')).to.deep.equal([]);
    expect(cursor.position, 'not passed: replayed on the next start').to.equal(0n);
  });

  it('a replay runs before live batches queued meanwhile, in order, and holds the cursor until it ends', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { runtime, cursor, push, runner } = setup({ start: 10n });
    cursor.hold(10n);
    async function* source(): AsyncGenerator<WalEvent> {
      for (const first of [11, 20, 30]) {
        if (first === 30) await gate;
        yield walEvent(first, first + 5);
      }
    }
    const done = runtime.replay(source(), 50n);
    push(60, 61); // a live batch arrives while the replay runs
    await flushPromises();
    expect(seenBy(runner)).to.deep.equal([11, 20]);
    expect(cursor.position, 'capped at what the replay handed over').to.equal(25n);
    release();
    await done;
    await flushPromises();
    expect(seenBy(runner)).to.deep.equal([11, 20, 30, 60]);
    expect(cursor.position).to.equal(61n);
    await runtime.stop();
  });
});
