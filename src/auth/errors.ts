import { AppError } from '../shared/app-error.js';

// No token, an unknown token or an expired one: 401 `{"error": "the request was not authenticated: <why>"}`.
export function unauthenticated(reason: string): AppError {
  return new AppError('unauthenticated', `the request was not authenticated: ${reason}`, { status: 401 });
}

// A valid token without the permission the request needs: 403, upstream's wording plus what was missing.
export function forbidden(reason: string): AppError {
  return new AppError('forbidden', `unauthorized to perform requested action with the token: ${reason}`, { status: 403 });
}

// An Authorization header that is not `<scheme> <credentials>` with a known scheme (upstream answers 400).
export function malformedAuthorization(): AppError {
  return new AppError(
    'malformed_authorization',
    "Authorization header was malformed, the request was not in the form of 'Authorization: <auth-scheme> <token>', supported auth-schemes are Bearer, Token and Basic",
    { status: 400 },
  );
}

// Token management on a server started with --without-auth.
export function tokenEndpointsDisabled(): AppError {
  return new AppError('method_not_allowed', 'endpoint disabled, started without auth', { status: 405 });
}

export function tokenNameExists(name: string): AppError {
  return new AppError('already_exists', `token name already exists, ${name}`, { status: 409 });
}

export function tokenNotFound(name: string): AppError {
  return new AppError('not_found', `token not found: ${name}`, { status: 404 });
}

export function operatorTokenUndeletable(): AppError {
  return new AppError('method_not_allowed', 'cannot delete operator token', { status: 405 });
}

export function invalidTokenRequest(message: string): AppError {
  return new AppError('bad_request', message, { status: 400 });
}
