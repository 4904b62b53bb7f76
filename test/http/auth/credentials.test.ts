import { expect } from 'chai';
import type { Context } from 'koa';
import { presentedToken } from '../../../src/http/auth/credentials.js';
import { isAppError } from '../../../src/shared/app-error.js';

const ctx = (authorization: string, query: Record<string, string | string[]> = {}) =>
  ({ get: (name: string) => (name.toLowerCase() === 'authorization' ? authorization : ''), query }) as unknown as Context;

describe('http/auth/credentials', () => {
  it('reads Bearer, Token and Basic (password or bare user)', () => {
    expect(presentedToken(ctx('Bearer apiv3_a'), false)).to.equal('apiv3_a');
    expect(presentedToken(ctx('token apiv3_b'), false)).to.equal('apiv3_b');
    expect(presentedToken(ctx(`Basic ${Buffer.from('me:apiv3_c').toString('base64')}`), false)).to.equal('apiv3_c');
    expect(presentedToken(ctx(`Basic ${Buffer.from('apiv3_d:').toString('base64')}`), false)).to.equal('apiv3_d');
    expect(presentedToken(ctx(`Basic ${Buffer.from('apiv3_e').toString('base64')}`), false)).to.equal('apiv3_e');
  });

  it('takes ?p= on v1 endpoints only, the header first', () => {
    expect(presentedToken(ctx('', { u: 'x', p: 'apiv3_p' }), true)).to.equal('apiv3_p');
    expect(presentedToken(ctx('', { p: 'apiv3_p' }), false)).to.equal(null);
    expect(presentedToken(ctx('Bearer apiv3_h', { p: 'apiv3_p' }), true)).to.equal('apiv3_h');
    expect(presentedToken(ctx(''), false)).to.equal(null);
  });

  it('a malformed header is a 400', () => {
    for (const h of ['Bearer', 'Digest abc', 'Bearer a b', `Basic ${Buffer.from(':').toString('base64')}`]) {
      let status = 0;
      try {
        presentedToken(ctx(h), false);
      } catch (err) {
        status = isAppError(err) ? err.status : -1;
      }
      expect(status, h).to.equal(400);
    }
  });
});
