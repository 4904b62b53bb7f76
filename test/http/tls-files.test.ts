import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTlsMaterial } from '../../src/http/tls-files.js';
import { ConfigError } from '../../src/config/errors.js';

describe('http/tls-files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tls-files-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names an unreadable certificate or key file and its flag', () => {
    const key = join(dir, 'k.pem');
    writeFileSync(key, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const missing = join(dir, 'missing.pem');
    expect(() => loadTlsMaterial({ certFile: missing, keyFile: key, minVersion: 'TLSv1.2' })).to.throw(ConfigError, /'.*missing\.pem' \(--tls-cert\)/);
    expect(() => loadTlsMaterial({ certFile: key, keyFile: missing, minVersion: 'TLSv1.2' })).to.throw(ConfigError, /'.*missing\.pem' \(--tls-key\)/);
  });

  it('names a certificate file that holds no certificate', () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a pem\n');
    const key = join(dir, 'k2.pem');
    writeFileSync(key, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadTlsMaterial({ certFile: junk, keyFile: key, minVersion: 'TLSv1.2' })).to.throw(ConfigError, /junk\.pem' \(--tls-cert\) holds no PEM certificate/);
  });
});
