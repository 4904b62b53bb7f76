import { expect } from 'chai';
import { OPERATOR_TOKEN_NAME, TokenStore, type TokenCatalog } from '../../src/auth/token-store.js';
import type { TokenList } from '../../src/storage/catalog/catalog-resources.js';
import { hashToken, TOKEN_PREFIX } from '../../src/auth/token-secret.js';
import { createLogger } from '../../src/shared/logger.js';
import { isAppError } from '../../src/shared/app-error.js';

// A catalog stand-in that keeps the tokens as JSON, as the real catalog writes them.
class MemorySections implements TokenCatalog {
  readonly saved = new Map<string, string>();
  tokens(): TokenList {
    const text = this.saved.get('tokens');
    return text === undefined ? { nextId: 1, tokens: [] } : (JSON.parse(text) as TokenList);
  }
  setTokens(list: TokenList): void {
    this.saved.set('tokens', JSON.stringify(list));
  }
}

function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return err.status;
    throw err;
  }
  return 0;
}

describe('auth/token-store', () => {
  let sections: MemorySections;
  let now: number;
  let store: TokenStore;
  const make = () => {
    const s = new TokenStore({ catalog: sections, logger: createLogger('silent'), now: () => now });
    s.load();
    return s;
  };

  beforeEach(() => {
    sections = new MemorySections();
    now = 1_700_000_000_000;
    store = make();
  });

  it('creates the operator token once; a second call is 409', () => {
    const { record, token } = store.createOperatorToken();
    expect(record).to.include({ id: 1, name: OPERATOR_TOKEN_NAME, expiryMillis: null, hash: hashToken(token) });
    expect(token.startsWith(TOKEN_PREFIX)).to.equal(true);
    expect(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url')).to.have.length(64);
    expect(store.authenticate(token).name).to.equal('_admin');
    expect(statusOf(() => store.createOperatorToken())).to.equal(409);
  });

  it('expiry is exactly expiry_secs after created_at, even when the clock ticks during creation', () => {
    const ticking = new TokenStore({ catalog: sections, logger: createLogger('silent'), now: () => now++ });
    ticking.load();
    const admin = ticking.createNamedAdminToken('ticking', 3600, null).record;
    expect(admin.expiryMillis! - admin.createdAt).to.equal(3_600_000);
    const db = ticking.createResourceToken('ticking-db', [{ resourceType: 'db', resourceIdentifier: ['foo'], actions: ['read'] }], 60, null).record;
    expect(db.expiryMillis! - db.createdAt).to.equal(60_000);
  });

  it('keeps only hashes: the token string is nowhere in the persisted section', () => {
    const { token } = store.createOperatorToken();
    const named = store.createNamedAdminToken('ci', null, null);
    const text = sections.saved.get('tokens')!;
    expect(text).not.to.include(token);
    expect(text).not.to.include(named.token);
    expect(text).to.include(hashToken(token));
  });

  it('survives a reload from the catalog section', () => {
    const { token } = store.createOperatorToken();
    const reader = store.createResourceToken('reader', [{ resourceType: 'db', resourceIdentifier: ['a'], actions: ['read'] }], null, null);
    const again = make();
    expect(again.authenticate(token).name).to.equal('_admin');
    expect(again.authenticate(reader.token).permissions).to.deep.equal([{ resourceType: 'db', resourceIdentifier: ['a'], actions: ['read'] }]);
    expect(again.createNamedAdminToken('next', null, null).record.id).to.equal(3);
  });

  it('refuses unknown tokens with 401', () => {
    store.createOperatorToken();
    expect(statusOf(() => store.authenticate('apiv3_nope'))).to.equal(401);
    expect(statusOf(() => store.authenticate(''))).to.equal(401);
  });

  it('regenerating the operator token retires the old string at once', () => {
    const first = store.createOperatorToken();
    const second = store.regenerateOperatorToken(first.record);
    expect(second.record).to.include({ id: first.record.id, name: '_admin', updatedBy: first.record.id });
    expect(statusOf(() => store.authenticate(first.token))).to.equal(401);
    expect(store.authenticate(second.token).id).to.equal(first.record.id);
  });

  it('expires tokens: 401 once now passes expiry', () => {
    store.createOperatorToken();
    const { token, record } = store.createNamedAdminToken('short', 60, null);
    expect(record.expiryMillis).to.equal(now + 60_000);
    expect(store.authenticate(token).name).to.equal('short');
    now += 60_000;
    expect(statusOf(() => store.authenticate(token))).to.equal(401);
  });

  it('names are unique, _admin is reserved, and bad names or expiries are 400', () => {
    store.createOperatorToken();
    store.createNamedAdminToken('ops', null, null);
    expect(statusOf(() => store.createNamedAdminToken('ops', null, null))).to.equal(409);
    expect(statusOf(() => store.createNamedAdminToken('_admin', null, null))).to.equal(409);
    expect(statusOf(() => store.createResourceToken('ops', [{ resourceType: 'db', resourceIdentifier: ['a'], actions: ['read'] }], null, null))).to.equal(409);
    expect(statusOf(() => store.createNamedAdminToken('', null, null))).to.equal(400);
    expect(statusOf(() => store.createNamedAdminToken('a\nb', null, null))).to.equal(400);
    expect(statusOf(() => store.createNamedAdminToken('x', 0, null))).to.equal(400);
    expect(statusOf(() => store.createNamedAdminToken('x', 1.5, null))).to.equal(400);
  });

  it('a resource token cannot carry admin permissions', () => {
    expect(statusOf(() => store.createResourceToken('sneaky', [{ resourceType: '*', resourceIdentifier: ['*'], actions: ['*'] }], null, null))).to.equal(400);
  });

  it('deletes tokens by name; the operator token answers 405, an unknown name 404', () => {
    store.createOperatorToken();
    const { token } = store.createNamedAdminToken('temp', null, null);
    store.deleteToken('temp');
    expect(statusOf(() => store.authenticate(token))).to.equal(401);
    expect(statusOf(() => store.deleteToken('temp'))).to.equal(404);
    expect(statusOf(() => store.deleteToken('_admin'))).to.equal(405);
  });

  it('imports an admin token file only while there is no admin token', () => {
    const fileToken = `${TOKEN_PREFIX}${'A'.repeat(40)}`;
    expect(store.importAdminToken(fileToken, '_admin', null)).to.equal('created');
    expect(store.importAdminToken(fileToken, '_admin', null)).to.equal('present');
    expect(store.importAdminToken(`${TOKEN_PREFIX}${'B'.repeat(40)}`, 'other', null)).to.equal('ignored');
    expect(store.authenticate(fileToken).name).to.equal('_admin');
    expect(statusOf(() => store.createOperatorToken())).to.equal(409);
    expect(store.hasAdminToken()).to.equal(true);
  });

  it('an imported token honours expiry_millis', () => {
    const fileToken = `${TOKEN_PREFIX}${'C'.repeat(40)}`;
    store.importAdminToken(fileToken, 'boot', now - 1);
    expect(statusOf(() => store.authenticate(fileToken))).to.equal(401);
  });
});
