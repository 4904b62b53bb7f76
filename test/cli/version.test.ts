import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitRevision, versionString } from '../../src/shared/build-info.js';
import { ROOT, runCli } from '../helpers/server-process.js';

const head = (): string => execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('cli: --version names the version and the git revision', () => {
  it('the installed command prints `influxdb3 <version>, revision <sha>` from the sha recorded at build time', async () => {
    const recorded = (JSON.parse(readFileSync(join(ROOT, 'dist', 'build-info.json'), 'utf8')) as { revision: string }).revision;
    expect(recorded).to.match(/^[0-9a-f]{40}$/);
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal(`influxdb3 ${version}, revision ${recorded}\n`);
    }
  });

  it('from the sources (no build), the revision is git\'s HEAD', () => {
    expect(gitRevision()).to.equal(head());
    expect(versionString()).to.equal(`${version}, revision ${head()}`);
  });

  it('scripts/build-info.mjs records HEAD, or INFLUXDB3_GIT_HASH, and refuses a value that is not a hash', () => {
    const out = mkdtempSync(join(tmpdir(), 'build-info-'));
    const run = (env: Record<string, string>) => spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-info.mjs'), out], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const read = () => JSON.parse(readFileSync(join(out, 'build-info.json'), 'utf8')) as { revision: string };
    try {
      const env = { ...process.env };
      delete env.INFLUXDB3_GIT_HASH;
      expect(spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-info.mjs'), out], { env, encoding: 'utf8' }).status).to.equal(0);
      expect(read().revision).to.equal(head());
      expect(run({ INFLUXDB3_GIT_HASH: 'abc1234' }).status).to.equal(0);
      expect(read().revision).to.equal('abc1234');
      const bad = run({ INFLUXDB3_GIT_HASH: 'v1.2' });
      expect(bad.status).to.not.equal(0);
      expect(bad.stderr).to.include("INFLUXDB3_GIT_HASH 'v1.2' is not a git commit hash");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
