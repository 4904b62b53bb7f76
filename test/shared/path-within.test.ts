import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalPath, isWithin } from '../../src/shared/path-within.js';

describe('shared/path-within', () => {
  it('isWithin compares whole path components', () => {
    expect(isWithin('/a', '/a/b')).to.equal(true);
    expect(isWithin('/a', '/a')).to.equal(true);
    expect(isWithin('/a', '/ab')).to.equal(false);
    expect(isWithin('/', '/x')).to.equal(true);
    expect(isWithin('/a/b', '/a')).to.equal(false);
  });

  it('canonicalPath follows symlinks of the existing part and keeps the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'path-within-'));
    try {
      mkdirSync(join(dir, 'real'));
      symlinkSync(join(dir, 'real'), join(dir, 'link'));
      const real = canonicalPath(join(dir, 'real'));
      expect(canonicalPath(join(dir, 'link', 'not-yet', 'x'))).to.equal(join(real, 'not-yet', 'x'));
      expect(canonicalPath(join(dir, 'link', '..', 'real') + '/')).to.equal(real);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
