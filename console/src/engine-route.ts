// The Processing Engine page's own routes, in the URL's hash under /ui/engine: `#/new` (create form),
// `#/<db>/<trigger>` (a trigger's page), anything else (`#/`) the list. Names are URI-encoded.

export type EngineRoute = { kind: 'list' } | { kind: 'new' } | { kind: 'trigger'; db: string; name: string };

export function parseEngineRoute(hash: string): EngineRoute {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts.length === 1 && parts[0] === 'new') return { kind: 'new' };
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return { kind: 'list' };
  try {
    return { kind: 'trigger', db: decodeURIComponent(parts[0]!), name: decodeURIComponent(parts[1]!) };
  } catch {
    return { kind: 'list' };
  }
}

export function engineHash(route: EngineRoute): string {
  if (route.kind === 'new') return '#/new';
  if (route.kind === 'trigger') return `#/${encodeURIComponent(route.db)}/${encodeURIComponent(route.name)}`;
  return '#/';
}

// A link to a route: absolute, because index.html's <base href="/ui/"> would resolve `#…` against /ui/ (Explore).
export function engineHref(route: EngineRoute): string {
  return `/ui/engine${engineHash(route)}`;
}
