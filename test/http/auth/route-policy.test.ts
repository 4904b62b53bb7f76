import { expect } from 'chai';
import { isTokenEndpoint, policyFor } from '../../../src/http/auth/route-policy.js';

describe('http/auth/route-policy', () => {
  it('classifies the data, system and token routes; everything else is admin', () => {
    expect(policyFor('POST', '/api/v3/write_lp').access).to.include({ kind: 'database', action: 'write' });
    expect(policyFor('POST', '/write')).to.deep.include({ v1: true });
    expect(policyFor('GET', '/api/v3/query_sql').access).to.include({ kind: 'database', action: 'read', body: false });
    expect(policyFor('POST', '/api/v3/query_sql').access).to.include({ kind: 'database', action: 'read', body: true });
    expect(policyFor('GET', '/health').access).to.deep.equal({ kind: 'system', resource: 'health' });
    expect(policyFor('HEAD', '/ping').access).to.deep.equal({ kind: 'system', resource: 'ping' });
    expect(policyFor('POST', '/api/v3/configure/token/admin').access).to.deep.equal({ kind: 'open' });
    expect(policyFor('POST', '/api/v3/configure/token/admin/regenerate').access).to.deep.equal({ kind: 'operator' });
    for (const [m, p] of [['GET', '/api/v3/configure/database'], ['DELETE', '/api/v3/configure/database'], ['POST', '/api/v3/plugins/files'],
      ['GET', '/api/v3/write_lp'], ['DELETE', '/health'], ['GET', '/nope'], ['POST', '/api/v3/configure/token/named_admin']]) {
      expect(policyFor(m!, p!).access, `${m} ${p}`).to.deep.equal({ kind: 'admin' });
    }
  });

  it('matches as koa-router does: any case, optional trailing slash', () => {
    expect(policyFor('POST', '/API/V3/Write_LP/').access).to.include({ kind: 'database', action: 'write' });
    expect(policyFor('POST', '/API/v3/configure/token/ADMIN').access).to.deep.equal({ kind: 'open' });
    expect(policyFor('GET', '/Health/').access).to.deep.equal({ kind: 'system', resource: 'health' });
  });

  it('request triggers carry their decoded path', () => {
    expect(policyFor('GET', '/api/v3/engine/a%2Fb').access).to.deep.equal({ kind: 'request-trigger', path: 'a/b' });
    expect(policyFor('PUT', '/api/v3/engine/x').access).to.deep.equal({ kind: 'admin' });
    expect(policyFor('GET', '/api/v3/engine/').access).to.deep.equal({ kind: 'admin' });
  });

  it('knows the token endpoints (405 without auth)', () => {
    for (const p of ['/api/v3/configure/token', '/api/v3/configure/token/admin', '/API/V3/CONFIGURE/TOKEN/admin/regenerate/', '/api/v3/enterprise/configure/token']) {
      expect(isTokenEndpoint(p), p).to.equal(true);
    }
    expect(isTokenEndpoint('/api/v3/configure/tokens_not')).to.equal(false);
    expect(isTokenEndpoint('/api/v3/configure/database')).to.equal(false);
  });
});
