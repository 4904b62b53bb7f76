import { AppError } from '../../shared/app-error.js';

// A bad cache configuration in a create request (upstream: CatalogError::InvalidConfiguration → 400).
export function invalidCacheConfig(detail: string): AppError {
  return new AppError('invalid_cache_config', `invalid configuration provided: ${detail}`, { status: 400 });
}

export function cacheNotFound(kind: 'last' | 'distinct', name: string, table: string): AppError {
  return new AppError('not_found', `${kind} cache not found: '${name}' on table '${table}'`, { status: 404 });
}
