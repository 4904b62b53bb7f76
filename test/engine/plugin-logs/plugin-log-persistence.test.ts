import { expect } from 'chai';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeLogLine, encodeLogLine } from '../../../src/engine/plugin-logs/plugin-log-file.js';
import { PluginLogStore, type PluginLogStoreOptions } from '../../../src/engine/plugin-logs/plugin-log-store.js';
import { captureLogger } from '../../ipc/child/capture-logger.js';
import { FakeClock } from '../fake-clock.js';

const FILE = 'plugin-logs.jsonl';

describe('engine/plugin-logs/plugin-log-store persistence', () => {
  let dir: string;
  let clock: FakeClock;
  const open: PluginLogStore[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plugin-logs-'));
    clock = new FakeClock();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const store = async (options: PluginLogStoreOptions = {}): Promise<PluginLogStore> => {
    const s = new PluginLogStore({ dir, clock, capacity: 5, ...options });
    open.push(s);
    await s.start();
    return s;
  };
  const fileLines = async (): Promise<string[]> => (await readFile(join(dir, FILE), 'utf8')).split('\n').filter((l) => l !== '');
  const texts = (s: PluginLogStore): string[] => s.entries().map((e) => e.log_text);

  it('encodes one entry per line and reads it back, ns time and newlines in the text included', () => {
    const entry = { event_time: 1_700_000_000_123_456_789n, database: 'db', trigger_name: 't', log_level: 'WARN' as const, log_text: 'a\nb "q"' };
    const line = encodeLogLine(entry);
    expect(line.endsWith('\n')).to.equal(true);
    expect(line.slice(0, -1)).to.not.include('\n');
    expect(decodeLogLine(line.slice(0, -1))).to.deep.equal(entry);
    expect(decodeLogLine(line.slice(0, 20))).to.equal(undefined);
    expect(decodeLogLine('{"event_time":"1","database":"d","trigger_name":"t","log_level":"DEBUG","log_text":""}')).to.equal(undefined);
  });

  it('survives a restart: a new instance on the same dir has the entries, in order, with their times', async () => {
    const a = await store();
    a.add('db1', 't1', 'INFO', 'one');
    await clock.advance(5);
    a.add('db2', 't2', 'ERROR', 'two');
    const before = a.entries();
    await a.stop();
    const b = await store();
    expect(b.entries()).to.deep.equal(before);
    expect(b.entries({ database: 'db2' }).map((e) => e.log_text)).to.deep.equal(['two']);
  });

  it('batches: nothing is written until writeDelayMs after the first add, then the whole batch at once', async () => {
    const a = await store({ writeDelayMs: 1_000 });
    a.add('db', 't', 'INFO', 'one');
    a.add('db', 't', 'INFO', 'two');
    expect(clock.pendingDelays()).to.deep.equal([1_000]);
    expect(await readdir(dir)).to.not.include(FILE);
    await clock.advance(999);
    expect(await readdir(dir)).to.not.include(FILE);
    await clock.advance(1);
    await a.flush();
    expect((await fileLines()).map((l) => decodeLogLine(l)!.log_text)).to.deep.equal(['one', 'two']);
    expect(clock.pending).to.equal(0);
  });

  it('stays bounded on disk (capacity plus a quarter) and reloads the newest capacity entries', async () => {
    const a = await store({ capacity: 8 });
    for (let i = 0; i < 100; i++) {
      a.add('db', 't', 'INFO', String(i));
      if (i % 3 === 0) await a.flush();
      expect((await fileLines().catch(() => [])).length).to.be.at.most(10);
    }
    await a.stop();
    expect((await fileLines()).length).to.be.at.most(10);
    const b = await store({ capacity: 8 });
    expect(texts(b)).to.deep.equal(['92', '93', '94', '95', '96', '97', '98', '99']);
  });

  it('compacts one oversized batch (a burst larger than the capacity) into the newest entries', async () => {
    const a = await store();
    for (let i = 0; i < 1_000; i++) a.add('db', 't', 'INFO', String(i));
    await a.flush();
    expect((await fileLines()).map((l) => decodeLogLine(l)!.log_text)).to.deep.equal(['995', '996', '997', '998', '999']);
  });

  it('loads only the newest capacity entries of a larger file, e.g. after the capacity shrank', async () => {
    const a = await store({ capacity: 20 });
    for (let i = 0; i < 20; i++) a.add('db', 't', 'INFO', String(i));
    await a.stop();
    const b = await store({ capacity: 5 });
    expect(texts(b)).to.deep.equal(['15', '16', '17', '18', '19']);
    expect((await fileLines()).length).to.equal(5);
  });

  it('skips a torn trailing line with a warning and keeps appending well-formed lines after it', async () => {
    const a = await store();
    a.add('db', 't', 'INFO', 'one');
    a.add('db', 't', 'INFO', 'two');
    await a.stop();
    const torn = encodeLogLine({ event_time: 1n, database: 'db', trigger_name: 't', log_level: 'INFO', log_text: 'three' });
    await appendFile(join(dir, FILE), torn.slice(0, torn.length - 9));
    const log = captureLogger();
    const b = await store({ logger: log.logger });
    expect(texts(b)).to.deep.equal(['one', 'two']);
    const warn = log.lines.find((l) => l.msg === 'skipping unreadable plugin log lines');
    expect(warn).to.include({ skipped: 1 });
    b.add('db', 't', 'INFO', 'four');
    await b.stop();
    const lines = await fileLines();
    expect(lines.map((l) => decodeLogLine(l)?.log_text)).to.deep.equal(['one', 'two', 'four']);
    const c = await store();
    expect(texts(c)).to.deep.equal(['one', 'two', 'four']);
  });

  it('skips corrupt lines in the middle and keeps an entry whose newline alone was lost', async () => {
    const good = (text: string): string => encodeLogLine({ event_time: 7n, database: 'db', trigger_name: 't', log_level: 'ERROR', log_text: text });
    await writeFile(join(dir, FILE), `${good('a')}not json\n{"event_time":1}\n\n${good('b')}${good('c').slice(0, -1)}`);
    const log = captureLogger();
    const a = await store({ logger: log.logger });
    expect(texts(a)).to.deep.equal(['a', 'b', 'c']);
    expect(log.lines.find((l) => l.msg === 'skipping unreadable plugin log lines')).to.include({ skipped: 3 });
    await a.flush();
    expect((await fileLines()).map((l) => decodeLogLine(l)?.log_text)).to.deep.equal(['a', 'b', 'c']);
  });

  it('puts entries added before start() after the reloaded ones', async () => {
    const a = await store();
    a.add('db', 't', 'INFO', 'old');
    await a.stop();
    const b = new PluginLogStore({ dir, clock, capacity: 5 });
    open.push(b);
    b.add('db', 't', 'INFO', 'early');
    await b.start();
    expect(texts(b)).to.deep.equal(['old', 'early']);
    await b.stop();
    const c = await store();
    expect(texts(c)).to.deep.equal(['old', 'early']);
  });

  it('clear() empties the file too; without a dir nothing touches the disk', async () => {
    const a = await store();
    a.add('db', 't', 'INFO', 'x');
    await a.flush();
    a.clear();
    await a.stop();
    expect(await fileLines()).to.deep.equal([]);
    const mem = new PluginLogStore({ dir: null, clock, capacity: 2 });
    await mem.start();
    mem.add('db', 't', 'INFO', 'y');
    expect(clock.pending).to.equal(0);
    await mem.stop();
    expect(mem.persistent).to.equal(false);
    expect(mem.entries().map((e) => e.log_text)).to.deep.equal(['y']);
  });

  it('creates the directory when it does not exist yet', async () => {
    const nested = join(dir, 'engine', 'logs');
    const a = new PluginLogStore({ dir: nested, clock });
    open.push(a);
    await a.start();
    a.add('db', 't', 'INFO', 'x');
    await a.stop();
    expect(await readdir(nested)).to.deep.equal([FILE]);
  });
});
