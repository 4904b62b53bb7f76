import { expect } from 'chai';
import {
  ADMIN_PERMISSIONS,
  allowsDatabase,
  allowsSystem,
  formatPermissions,
  parsePermission,
  touchesDatabase,
  validatePermissions,
} from '../../src/auth/permissions.js';
import { isAppError } from '../../src/shared/app-error.js';

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isAppError(err) && err.status === 400) return err.message;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('auth/permissions', () => {
  it('parses the --permission syntax', () => {
    expect(parsePermission('db:db1,db2:read,write')).to.deep.equal({ resourceType: 'db', resourceIdentifier: ['db1', 'db2'], actions: ['read', 'write'] });
    expect(parsePermission('db:*:read')).to.deep.equal({ resourceType: 'db', resourceIdentifier: ['*'], actions: ['read'] });
    expect(parsePermission('system:health,ping:read')).to.deep.equal({ resourceType: 'system', resourceIdentifier: ['health', 'ping'], actions: ['read'] });
  });

  it('refuses malformed or unknown permissions with 400', () => {
    expect(badRequest(() => parsePermission('db:a'))).to.match(/RESOURCE_TYPE:RESOURCE_NAMES:ACTIONS/);
    expect(badRequest(() => parsePermission('db:a:delete'))).to.match(/unknown action 'delete'/);
    expect(badRequest(() => parsePermission('*:*:*'))).to.match(/unknown resource type/);
    expect(badRequest(() => parsePermission('db:_bad:read'))).to.match(/did not start with a number or letter/);
    expect(badRequest(() => parsePermission('system:disk:read'))).to.match(/unknown system resource 'disk'/);
    expect(badRequest(() => validatePermissions([]))).to.match(/non-empty array/);
    expect(badRequest(() => validatePermissions([{ resource_type: 'db', resource_identifier: 'a', actions: ['read'] }]))).to.match(/resource_identifier/);
  });

  it('grants databases by name and action; * covers every database but _internal', () => {
    const perms = [parsePermission('db:a:read'), parsePermission('db:*:write')];
    expect(allowsDatabase(perms, 'a', 'read')).to.equal(true);
    expect(allowsDatabase(perms, 'b', 'read')).to.equal(false);
    expect(allowsDatabase(perms, 'b', 'write')).to.equal(true);
    expect(allowsDatabase(perms, '_internal', 'write')).to.equal(false);
    expect(allowsDatabase([parsePermission('db:_internal:read')], '_internal', 'read')).to.equal(true);
    expect(touchesDatabase([parsePermission('db:a:write')], 'a')).to.equal(true);
    expect(touchesDatabase([parsePermission('db:a:write')], 'b')).to.equal(false);
  });

  it('admin permissions allow everything; db grants no system endpoint', () => {
    expect(allowsDatabase(ADMIN_PERMISSIONS, '_internal', 'write')).to.equal(true);
    expect(allowsSystem(ADMIN_PERMISSIONS, 'metrics')).to.equal(true);
    expect(allowsSystem([parsePermission('db:*:read,write')], 'health')).to.equal(false);
    expect(allowsSystem([parsePermission('system:health:read')], 'health')).to.equal(true);
    expect(allowsSystem([parsePermission('system:health:read')], 'metrics')).to.equal(false);
    expect(allowsSystem([parsePermission('system:*:read')], 'metrics')).to.equal(true);
  });

  it('formats back to the text form', () => {
    expect(formatPermissions([parsePermission('db:a,b:read,write'), parsePermission('system:ping:read')])).to.equal('db:a,b:read,write;system:ping:read');
    expect(formatPermissions(ADMIN_PERMISSIONS)).to.equal('*:*:*');
  });
});
