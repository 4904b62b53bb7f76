import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { loadServeConfig } from '../../src/config/load.js';
import { SERVE_OPTIONS, type ServeConfig } from '../../src/config/schema.js';
import { didYouMean } from '../../src/config/suggest.js';
import { NOT_APPLICABLE_OPTIONS } from '../../src/config/upstream-options.js';

const repo = join(import.meta.dirname, '..', '..');
const conf = readFileSync(join(repo, 'conf', 'influxdb3-engine.conf'), 'utf8');
// `# key = value` lines: the defaults the file shows (indented `#   key = …` lines are examples).
const shown = conf.split('\n').filter((l) => /^# [a-z0-9-]+ = /.test(l)).map((l) => l.slice(2));

const { mapConfig } = createRequire(import.meta.url)(join(repo, 'packaging', 'influxdb3-launcher')) as {
  mapConfig: (doc: Record<string, unknown>, file: string, lib: unknown, env: NodeJS.ProcessEnv) => {
    set: Array<[string, string]>;
    origin: { file: string; keys: Record<string, string>; notApplicable: string[] };
  };
};
const lib = { options: SERVE_OPTIONS, notApplicable: NOT_APPLICABLE_OPTIONS, didYouMean };

function comparable(c: ServeConfig): Partial<ServeConfig> {
  const { warnings: _w, debug: _d, configFile: _f, ...rest } = c;
  return rest;
}

describe('config: the packaged conffile and its launcher', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cfg-conf-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('shows real defaults only: uncommenting any shown line changes nothing', () => {
    expect(shown.length).to.be.greaterThan(30);
    const without = comparable(loadServeConfig({ flags: { objectStore: 'memory' }, env: {} }));
    for (const line of shown) {
      const file = join(dir, 'one.toml');
      writeFileSync(file, `${line}\n`);
      const key = Object.keys(parse(line))[0]!;
      expect(SERVE_OPTIONS.some((o) => o.flag === key), `${key} is a server option`).to.equal(true);
      const flags = key === 'object-store' ? {} : { objectStore: 'memory' };
      const base = key === 'object-store' ? { ...without, objectStore: 'file' } : without;
      if (key === 'object-store') {
        // The file store needs a data dir; compare with one.
        const a = comparable(loadServeConfig({ flags: { dataDir: dir }, env: {}, configFile: file }));
        const b = comparable(loadServeConfig({ flags: { dataDir: dir }, env: {} }));
        expect(a, line).to.deep.equal(b);
        continue;
      }
      expect(comparable(loadServeConfig({ flags, env: {}, configFile: file })), line).to.deep.equal(base);
    }
  });

  it('does not show the old non-default examples as values', () => {
    expect(conf).to.include('# disable-authz = ""');
    expect(conf).not.to.match(/^# disable-authz = "health/m);
  });

  it('launcher: exports known keys with their origin, hands over not-applicable keys without exporting them', () => {
    const file = '/etc/influxdb3/influxdb3-engine.conf';
    const r = mapConfig({ 'http-bind': '127.0.0.1:1', 'gen1-duration': '10m', 'aws-secret-access-key': 's3cr3t' }, file, lib, {});
    expect(r.set).to.deep.equal([['INFLUXDB3_HTTP_BIND_ADDR', '127.0.0.1:1']]);
    expect(r.origin).to.deep.equal({ file, keys: { INFLUXDB3_HTTP_BIND_ADDR: 'http-bind' }, notApplicable: ['gen1-duration', 'aws-secret-access-key'] });
  });
});
