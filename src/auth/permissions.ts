import { databaseNameProblem, INTERNAL_DB } from '../storage/catalog/names.js';
import { invalidTokenRequest } from './errors.js';

export type DatabaseAction = 'read' | 'write';
export type SystemResource = 'health' | 'ping' | 'metrics';

import type { TokenPermission } from '../storage/catalog/catalog-resources.js';

// One grant of a token (the catalog's token resource keeps them).
export type Permission = TokenPermission;

// A grant in upstream Enterprise's JSON shape: `{"resource_type":"db","resource_identifier":["a"],"actions":["read"]}`.
export interface PermissionJson {
  resource_type: Permission['resourceType'];
  resource_identifier: string[];
  actions: string[];
}

export function permissionToJson(p: Permission): PermissionJson {
  return { resource_type: p.resourceType, resource_identifier: p.resourceIdentifier, actions: p.actions };
}

// The permission set of admin tokens (upstream's `*:*:*`).
export const ADMIN_PERMISSIONS: readonly Permission[] = Object.freeze([
  { resourceType: '*', resourceIdentifier: ['*'], actions: ['*'] },
]);

const DB_ACTIONS = ['read', 'write'];
const SYSTEM_RESOURCES = ['health', 'ping', 'metrics'];
const MAX_IDENTIFIERS = 1000;

export function isAdminPermissions(perms: readonly Permission[]): boolean {
  return perms.some((p) => p.resourceType === '*');
}

// `db:<name>` grants cover that database; `db:*` covers every database except `_internal`, which holds the token
// and plugin tables and is for admin tokens (or an explicit `db:_internal:…` grant).
export function allowsDatabase(perms: readonly Permission[], db: string, action: DatabaseAction): boolean {
  return perms.some((p) => {
    if (p.resourceType === '*') return true;
    if (p.resourceType !== 'db') return false;
    if (!p.actions.includes(action) && !p.actions.includes('*')) return false;
    return p.resourceIdentifier.includes(db) || (db !== INTERNAL_DB && p.resourceIdentifier.includes('*'));
  });
}

// Any grant at all on the database (request triggers accept readers and writers of the trigger's database).
export function touchesDatabase(perms: readonly Permission[], db: string): boolean {
  return allowsDatabase(perms, db, 'read') || allowsDatabase(perms, db, 'write');
}

export function allowsSystem(perms: readonly Permission[], resource: SystemResource): boolean {
  return perms.some((p) => {
    if (p.resourceType === '*') return true;
    if (p.resourceType !== 'system') return false;
    return p.resourceIdentifier.includes(resource) || p.resourceIdentifier.includes('*');
  });
}

// `db:db1,db2:read,write` / `db:*:read` / `system:health,ping:read` (upstream Enterprise's --permission syntax).
export function parsePermission(text: string): Permission {
  const parts = text.split(':');
  if (parts.length !== 3 || parts.some((p) => p.trim() === '')) {
    throw invalidTokenRequest(`invalid permission '${text}': expected RESOURCE_TYPE:RESOURCE_NAMES:ACTIONS, e.g. db:db1,db2:read,write`);
  }
  const split = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
  return validatePermission({ resource_type: parts[0]!.trim(), resource_identifier: split(parts[1]!), actions: split(parts[2]!) }, text);
}

// The `permissions` array of a create request, validated; admin (`*`) grants are refused (use an admin token).
export function validatePermissions(value: unknown): Permission[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidTokenRequest("parameter 'permissions' must be a non-empty array of {resource_type, resource_identifier, actions}");
  }
  if (value.length > 100) throw invalidTokenRequest(`too many permissions: ${value.length} (at most 100)`);
  return value.map((p, i) => validatePermission(p, `permissions[${i}]`));
}

function validatePermission(value: unknown, shown: string): Permission {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidTokenRequest(`invalid permission ${shown}: expected an object {resource_type, resource_identifier, actions}`);
  }
  const v = value as Record<string, unknown>;
  const type = v.resource_type;
  const ids = stringList(v.resource_identifier, shown, 'resource_identifier');
  const actions = stringList(v.actions, shown, 'actions').map((a) => a.toLowerCase());
  if (type === 'db') {
    for (const a of actions) {
      if (!DB_ACTIONS.includes(a)) throw invalidTokenRequest(`invalid permission ${shown}: unknown action '${a}' for db (expected read, write)`);
    }
    for (const id of ids) {
      if (id === '*' || id === INTERNAL_DB) continue;
      const problem = databaseNameProblem(id);
      if (problem) throw invalidTokenRequest(`invalid permission ${shown}: ${problem}`);
    }
  } else if (type === 'system') {
    for (const a of actions) {
      if (a !== 'read') throw invalidTokenRequest(`invalid permission ${shown}: unknown action '${a}' for system (expected read)`);
    }
    for (const id of ids) {
      if (id !== '*' && !SYSTEM_RESOURCES.includes(id)) {
        throw invalidTokenRequest(`invalid permission ${shown}: unknown system resource '${id}' (expected health, ping, metrics or *)`);
      }
    }
  } else {
    throw invalidTokenRequest(`invalid permission ${shown}: unknown resource type ${JSON.stringify(type)} (expected db or system; use an admin token for *)`);
  }
  return { resourceType: type, resourceIdentifier: [...new Set(ids)], actions: [...new Set(actions)] };
}

function stringList(value: unknown, shown: string, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IDENTIFIERS || !value.every((x) => typeof x === 'string' && x !== '')) {
    throw invalidTokenRequest(`invalid permission ${shown}: '${field}' must be a non-empty array of names`);
  }
  return (value as string[]).map((x) => x.trim());
}

// Back to the --permission text form, `;`-separated when a token has several grants (system.tokens).
export function formatPermissions(perms: readonly Permission[]): string {
  return perms.map((p) => `${p.resourceType}:${p.resourceIdentifier.join(',')}:${p.actions.join(',')}`).join(';');
}
