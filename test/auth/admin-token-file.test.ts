import { expect } from 'chai';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAdminTokenFile, writeAdminTokenFile } from '../../src/auth/admin-token-file.js';
import { generateToken } from '../../src/auth/token-secret.js';

describe('auth/admin-token-file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admin-token-file-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads upstream\'s offline file shape, name defaulting to _admin', async () => {
    const token = generateToken();
    const path = join(dir, 'a.json');
    await writeFile(path, JSON.stringify({ token, expiry_millis: 1756400061529 }), { mode: 0o600 });
    expect(await readAdminTokenFile(path)).to.deep.equal({ token, name: '_admin', expiryMillis: 1756400061529 });
  });

  it('writes a 0600 file that reads back', async () => {
    const path = join(dir, 'w.json');
    const file = { token: generateToken(), name: 'boot', expiryMillis: null };
    await writeAdminTokenFile(path, file);
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
    expect(await readAdminTokenFile(path)).to.deep.equal(file);
    let refused = false;
    await writeAdminTokenFile(path, file).catch(() => (refused = true));
    expect(refused, 'an existing file is not overwritten').to.equal(true);
  });

  it('warns when others can read the file', async () => {
    const path = join(dir, 'open.json');
    await writeFile(path, JSON.stringify({ token: generateToken() }));
    await chmod(path, 0o644);
    const warnings: string[] = [];
    await readAdminTokenFile(path, (m) => warnings.push(m));
    expect(warnings.join()).to.match(/can be read by other users/);
  });

  for (const [what, content] of [
    ['not JSON', 'apiv3_x'],
    ['an array', '[]'],
    ['a token without the apiv3_ prefix', JSON.stringify({ token: 'A'.repeat(60) })],
    ['a short token', JSON.stringify({ token: 'apiv3_abc' })],
    ['an empty name', JSON.stringify({ token: generateToken(), name: '' })],
    ['a bad expiry', JSON.stringify({ token: generateToken(), expiry_millis: 'soon' })],
  ] as const) {
    it(`refuses ${what}`, async () => {
      const path = join(dir, 'bad.json');
      await writeFile(path, content, { mode: 0o600 });
      let message = '';
      await readAdminTokenFile(path).catch((err: Error) => (message = err.message));
      expect(message).to.match(/^invalid admin token file/);
    });
  }
});
