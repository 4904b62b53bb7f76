import { expect } from 'chai';
import { tokenFromAuthorization } from '../../src/auth/authorization-header.js';

describe('auth/authorization-header', () => {
  it('reads Bearer, Token and Basic in any case', () => {
    expect(tokenFromAuthorization('Bearer abc')).to.equal('abc');
    expect(tokenFromAuthorization('token abc')).to.equal('abc');
    expect(tokenFromAuthorization(`Basic ${Buffer.from('user:abc').toString('base64')}`)).to.equal('abc');
    expect(tokenFromAuthorization(`basic ${Buffer.from('abc').toString('base64')}`)).to.equal('abc');
  });

  it('refuses anything else as malformed', () => {
    for (const bad of ['abc', 'Bearer', 'Digest abc', 'Bearer a b', `Basic ${Buffer.from(':').toString('base64')}`]) {
      expect(() => tokenFromAuthorization(bad), bad).to.throw(/Authorization header was malformed/);
    }
  });
});
