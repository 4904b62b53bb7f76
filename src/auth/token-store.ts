import type { Logger } from '../shared/logger.js';
import type { ApiToken, TokenList } from '../storage/catalog/catalog-resources.js';
import { invalidTokenRequest, operatorTokenUndeletable, tokenNameExists, tokenNotFound, unauthenticated } from './errors.js';
import { ADMIN_PERMISSIONS, isAdminPermissions, type Permission } from './permissions.js';
import { generateToken, hashToken } from './token-secret.js';

// The operator token's fixed name (upstream): created once, never expires, cannot be deleted, only regenerated.
export const OPERATOR_TOKEN_NAME = '_admin';


// A token just made: the record plus the string, which is shown this once.
export interface CreatedToken {
  record: ApiToken;
  token: string;
}

// What the store needs of storage (the StorageEngine facade keeps tokens in the catalog), so tests can pass a
// plain object.
export interface TokenCatalog {
  tokens(): TokenList;
  setTokens(list: TokenList): void;
}

export interface TokenStoreDeps {
  catalog: TokenCatalog;
  logger: Logger;
  now?: () => number;
}

const MAX_NAME = 256;
const MAX_EXPIRY_SECS = 1000 * 365 * 24 * 3600;

// Tokens: create (operator, named admin, resource), regenerate, delete, and authenticate a presented string.
export class TokenStore {
  private data: TokenList = { nextId: 1, tokens: [] };
  private readonly byHash = new Map<string, ApiToken>();
  private readonly now: () => number;

  constructor(private readonly deps: TokenStoreDeps) {
    this.now = deps.now ?? Date.now;
  }

  // Reads the tokens; call after the catalog has loaded.
  load(): void {
    const saved = this.deps.catalog.tokens();
    this.data = { nextId: saved.nextId, tokens: [...saved.tokens] };
    this.reindex();
  }

  list(): ApiToken[] {
    return [...this.data.tokens];
  }

  hasAdminToken(): boolean {
    return this.data.tokens.some((t) => isAdminPermissions(t.permissions));
  }

  // The token a request presented, or a 401 naming why (unknown, expired).
  authenticate(token: string): ApiToken {
    const record = this.byHash.get(hashToken(token));
    if (!record) throw unauthenticated('invalid token');
    if (record.expiryMillis !== null && record.expiryMillis <= this.now()) {
      throw unauthenticated(`token has expired ${new Date(record.expiryMillis).toISOString()}`);
    }
    return record;
  }

  // POST /api/v3/configure/token/admin: the operator token, once.
  createOperatorToken(): CreatedToken {
    if (this.byName(OPERATOR_TOKEN_NAME)) throw tokenNameExists(OPERATOR_TOKEN_NAME);
    return this.add(OPERATOR_TOKEN_NAME, [...ADMIN_PERMISSIONS], null, null);
  }

  // POST /api/v3/configure/token/admin/regenerate: a new string for `_admin`; the old one stops working at once.
  regenerateOperatorToken(by: ApiToken | null): CreatedToken {
    const record = this.byName(OPERATOR_TOKEN_NAME);
    if (!record) throw tokenNotFound(OPERATOR_TOKEN_NAME);
    const token = generateToken();
    const updated: ApiToken = { ...record, hash: hashToken(token), updatedAt: this.now(), updatedBy: by?.id ?? null };
    this.replace(record, updated);
    return { record: updated, token };
  }

  // POST /api/v3/configure/token/named_admin.
  createNamedAdminToken(name: string, expirySecs: number | null, by: ApiToken | null): CreatedToken {
    this.checkNewName(name);
    return this.add(name, [...ADMIN_PERMISSIONS], expirySecs, by);
  }

  // POST /api/v3/enterprise/configure/token: a database (or system) token with the given grants.
  createResourceToken(name: string, permissions: Permission[], expirySecs: number | null, by: ApiToken | null): CreatedToken {
    this.checkNewName(name);
    if (isAdminPermissions(permissions)) throw invalidTokenRequest('a resource token cannot carry *:*:* permissions; create an admin token instead');
    return this.add(name, permissions, expirySecs, by);
  }

  // --admin-token-file: adds the given admin token when the server has no admin token yet (upstream's rule).
  importAdminToken(token: string, name: string, expiryMillis: number | null): 'created' | 'present' | 'ignored' {
    const hash = hashToken(token);
    if (this.byHash.has(hash)) return 'present';
    if (this.hasAdminToken()) return 'ignored';
    if (this.byName(name)) throw tokenNameExists(name);
    this.insert({ ...this.blank(name, [...ADMIN_PERMISSIONS], expiryMillis, null, this.now()), hash });
    return 'created';
  }

  // DELETE /api/v3/configure/token?token_name=: the operator token cannot be deleted (405, as upstream).
  deleteToken(name: string): void {
    const record = this.byName(name);
    if (!record) throw tokenNotFound(name);
    if (name === OPERATOR_TOKEN_NAME) throw operatorTokenUndeletable();
    this.data.tokens = this.data.tokens.filter((t) => t !== record);
    this.save();
  }

  private byName(name: string): ApiToken | undefined {
    return this.data.tokens.find((t) => t.name === name);
  }

  private checkNewName(name: string): void {
    if (name.length === 0 || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
      throw invalidTokenRequest(`invalid token name ${JSON.stringify(name.slice(0, 64))}: 1 to ${MAX_NAME} characters, no control characters`);
    }
    if (name === OPERATOR_TOKEN_NAME || this.byName(name)) throw tokenNameExists(name);
  }

  // The expiry of a token created at `createdAt` (the same instant as its createdAt, so the two differ by exactly
  // expiry_secs).
  private expiry(expirySecs: number | null, createdAt: number): number | null {
    if (expirySecs === null) return null;
    if (!Number.isSafeInteger(expirySecs) || expirySecs <= 0 || expirySecs > MAX_EXPIRY_SECS) {
      throw invalidTokenRequest(`invalid expiry_secs ${expirySecs}: expected a whole number of seconds greater than 0`);
    }
    return createdAt + expirySecs * 1000;
  }

  private blank(name: string, permissions: Permission[], expiryMillis: number | null, by: ApiToken | null, createdAt: number): ApiToken {
    return {
      id: this.data.nextId,
      name,
      hash: '',
      createdAt,
      expiryMillis,
      description: null,
      createdBy: by?.id ?? null,
      updatedAt: null,
      updatedBy: null,
      permissions,
    };
  }

  private add(name: string, permissions: Permission[], expirySecs: number | null, by: ApiToken | null): CreatedToken {
    const createdAt = this.now();
    const expiryMillis = this.expiry(expirySecs, createdAt);
    const token = generateToken();
    const record = { ...this.blank(name, permissions, expiryMillis, by, createdAt), hash: hashToken(token) };
    this.insert(record);
    return { record, token };
  }

  private insert(record: ApiToken): void {
    this.data.nextId = record.id + 1;
    this.data.tokens.push(record);
    this.save();
  }

  private replace(old: ApiToken, next: ApiToken): void {
    this.data.tokens = this.data.tokens.map((t) => (t === old ? next : t));
    this.save();
  }

  private save(): void {
    this.deps.catalog.setTokens({ nextId: this.data.nextId, tokens: [...this.data.tokens] });
    this.reindex();
  }

  private reindex(): void {
    this.byHash.clear();
    for (const t of this.data.tokens) this.byHash.set(t.hash, t);
  }
}
