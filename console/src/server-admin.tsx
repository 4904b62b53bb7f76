// The Server page's admin sections: databases with retention, tokens, caches. A token that may not manage them
// (a database token: the server answers 403) sees that said plainly instead of an error.
import { useEffect, useState } from 'preact/hooks';
import {
  createCache, createDatabase, createToken, deleteCache, deleteDatabase, deleteToken, formatRetention, listCaches, listDatabaseInfo, listTokens,
  type CacheInfo, type DatabaseInfo, type TokenInfo,
} from './admin-api.js';
import { storedToken } from './api.js';

const ADMIN_ONLY = 'Needs an admin token: the server refused this one (403).';

// Loads a list; null when refused (403). `reload` runs it again after a change.
function useList<T>(load: () => Promise<T[] | null>, deps: unknown[] = []) {
  const [items, setItems] = useState<T[] | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const reload = () => load().then((v) => { setItems(v); setError(null); }, (e: Error) => setError(e.message));
  useEffect(() => { void reload(); }, deps);
  return { items, error, setError, reload };
}

// Runs an admin action, then reloads; its failure is shown in the section.
async function act(fn: () => Promise<unknown>, after: () => unknown, fail: (m: string) => void): Promise<boolean> {
  try {
    await fn();
    after();
    return true;
  } catch (e) {
    fail((e as Error).message);
    return false;
  }
}

function Refused({ items, error }: { items: unknown; error: string | null }) {
  if (error) return <p class="error" role="alert">{error}</p>;
  if (items === null) return <p class="refused" role="note">{ADMIN_ONLY}</p>;
  if (items === undefined) return <p>Loading…</p>;
  return null;
}

export function ServerAdmin() {
  const dbs = useList<DatabaseInfo>(listDatabaseInfo);
  const names = dbs.items?.map((d) => d.name).filter((n) => !n.startsWith('_')) ?? null;
  return (
    <>
      <Databases list={dbs} />
      <Tokens databases={names ?? []} />
      <Caches databases={dbs.items === null ? null : names} />
    </>
  );
}

function Databases({ list }: { list: ReturnType<typeof useList<DatabaseInfo>> }) {
  const [name, setName] = useState('');
  const [retention, setRetention] = useState('');
  const { items, error, setError, reload } = list;
  const create = (e: Event) => {
    e.preventDefault();
    if (name.trim()) void act(() => createDatabase(name.trim(), retention), () => { setName(''); setRetention(''); void reload(); }, setError);
  };
  const remove = (db: string) => {
    if (confirm(`Delete database ${db} and all its data?`)) void act(() => deleteDatabase(db), reload, setError);
  };
  return (
    <section class="panel" aria-labelledby="databases-heading">
      <h2 id="databases-heading">Databases</h2>
      <Refused items={items} error={error} />
      {items && (
        <table class="grid" data-table="databases">
          <thead><tr><th scope="col">Database</th><th scope="col">Retention</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.name} data-database={d.name}>
                <td>{d.name}</td>
                <td>{formatRetention(d.retentionNs)}</td>
                <td>{!d.name.startsWith('_') && <button type="button" onClick={() => remove(d.name)} aria-label={`Delete database ${d.name}`}>Delete</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items && (
        <form class="toolbar" onSubmit={create}>
          <label for="new-db">New database</label>
          <input id="new-db" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <label for="new-db-retention">Retention</label>
          <input id="new-db-retention" value={retention} placeholder="30d (empty: forever)" onInput={(e) => setRetention((e.target as HTMLInputElement).value)} />
          <button type="submit">Create</button>
        </form>
      )}
    </section>
  );
}

function Tokens({ databases }: { databases: string[] }) {
  // Signed in without a token: the server runs --without-auth, where the token endpoints answer 405.
  if (storedToken() === null) {
    return (
      <section class="panel" aria-labelledby="tokens-heading">
        <h2 id="tokens-heading">Tokens</h2>
        <p class="muted">The server runs without authentication (<code>--without-auth</code>): tokens are not used.</p>
      </section>
    );
  }
  return <TokenList databases={databases} />;
}

function TokenList({ databases }: { databases: string[] }) {
  const { items, error, setError, reload } = useList<TokenInfo>(listTokens);
  const [name, setName] = useState('');
  const [scope, setScope] = useState('*admin*');
  const [write, setWrite] = useState(true);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const create = async (e: Event) => {
    e.preventDefault();
    const tokenName = name.trim();
    if (!tokenName) return;
    let token = '';
    const ok = await act(async () => { token = await createToken(tokenName, scope === '*admin*' ? null : scope, write ? ['read', 'write'] : ['read']); }, () => void reload(), setError);
    if (ok) {
      setCreated({ name: tokenName, token });
      setCopied(false);
      setName('');
    }
  };
  const remove = (t: TokenInfo) => {
    if (confirm(`Delete token ${t.name}? Clients using it stop working.`)) void act(() => deleteToken(t.name), reload, setError);
  };
  const copy = () => navigator.clipboard.writeText(created!.token).then(() => setCopied(true), (e: Error) => setError(`Copy failed: ${e.message}`));
  return (
    <section class="panel" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Tokens</h2>
      <Refused items={items} error={error} />
      {created && (
        <div class="new-token" role="status">
          <p>Token <strong>{created.name}</strong> created. Copy it now: it is not shown again.</p>
          <div class="toolbar">
            <code class="token-value" data-token>{created.token}</code>
            <button type="button" onClick={() => void copy()}>{copied ? 'Copied' : 'Copy'}</button>
            <button type="button" onClick={() => setCreated(null)}>Done</button>
          </div>
        </div>
      )}
      {items && (
        <table class="grid" data-table="tokens">
          <thead><tr><th scope="col">Name</th><th scope="col">Permissions</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.id} data-token-name={t.name}>
                <td>{t.name}</td>
                <td><code>{t.permissions}</code></td>
                <td>{t.createdAt ?? '—'}</td>
                <td>{t.expiry ?? 'never'}</td>
                <td><button type="button" onClick={() => remove(t)} aria-label={`Delete token ${t.name}`}>Delete</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items && (
        <form class="toolbar" onSubmit={(e) => void create(e)}>
          <label for="new-token">New token</label>
          <input id="new-token" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <label for="new-token-scope">For</label>
          <select id="new-token-scope" value={scope} onChange={(e) => setScope((e.target as HTMLSelectElement).value)}>
            <option value="*admin*">admin (everything)</option>
            {databases.map((d) => <option key={d} value={d}>database {d}</option>)}
          </select>
          {scope !== '*admin*' && <label><input type="checkbox" checked={write} onChange={(e) => setWrite((e.target as HTMLInputElement).checked)} /> may write</label>}
          <button type="submit">Create token</button>
        </form>
      )}
    </section>
  );
}

function Caches({ databases }: { databases: string[] | null }) {
  const { items, error, setError, reload } = useList<CacheInfo>(() => (databases === null ? Promise.resolve(null) : listCaches(databases)), [databases?.join('\0') ?? null]);
  const [form, setForm] = useState({ kind: 'last' as CacheInfo['kind'], db: '', table: '', name: '', columns: '' });
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const db = form.db || databases?.[0] || '';
  const create = (e: Event) => {
    e.preventDefault();
    const cols = form.columns.split(',').map((c) => c.trim()).filter(Boolean);
    void act(() => createCache(form.kind, db, form.table.trim(), form.name, cols), () => { setForm({ ...form, table: '', name: '', columns: '' }); void reload(); }, setError);
  };
  const remove = (c: CacheInfo) => {
    if (confirm(`Delete the ${c.kind} cache ${c.name}?`)) void act(() => deleteCache(c), reload, setError);
  };
  return (
    <section class="panel" aria-labelledby="caches-heading">
      <h2 id="caches-heading">Last-value and distinct caches</h2>
      <Refused items={items} error={error} />
      {items && items.length === 0 && <p class="muted">No caches.</p>}
      {items && items.length > 0 && (
        <table class="grid" data-table="caches">
          <thead><tr><th scope="col">Kind</th><th scope="col">Database</th><th scope="col">Table</th><th scope="col">Name</th><th scope="col">Columns</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {items.map((c) => (
              <tr key={`${c.kind}/${c.database}/${c.table}/${c.name}`} data-cache={c.name}>
                <td>{c.kind}</td><td>{c.database}</td><td>{c.table}</td><td>{c.name}</td><td>{c.columns.join(', ')}</td>
                <td><button type="button" onClick={() => remove(c)} aria-label={`Delete cache ${c.name}`}>Delete</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items && databases && databases.length > 0 && (
        <form class="toolbar" onSubmit={create}>
          <label for="cache-kind">New cache</label>
          <select id="cache-kind" value={form.kind} onChange={set('kind')}><option value="last">last value</option><option value="distinct">distinct</option></select>
          <label for="cache-db">Database</label>
          <select id="cache-db" value={db} onChange={set('db')}>{databases.map((d) => <option key={d} value={d}>{d}</option>)}</select>
          <label for="cache-table">Table</label>
          <input id="cache-table" value={form.table} onInput={set('table')} />
          <label for="cache-columns">{form.kind === 'last' ? 'Key columns' : 'Columns'}</label>
          <input id="cache-columns" value={form.columns} placeholder={form.kind === 'last' ? 'empty: the tags' : 'host, region'} onInput={set('columns')} />
          <label for="cache-name">Name</label>
          <input id="cache-name" value={form.name} placeholder="optional" onInput={set('name')} />
          <button type="submit">Create cache</button>
        </form>
      )}
    </section>
  );
}
