// The console's shell: asks for a token once (unless the server runs --without-auth), then shows Explore.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { authMode, checkToken, storeToken, storedToken } from './api.js';
import { Explore } from './explore.js';
import { ServerPage } from './server-page.js';
import { EnginePage } from './engine-page.js';
import { PluginsPage } from './plugins-page.js';

// Client routes under /ui/ (the server answers index.html for each).
const PAGES = [{ path: '', title: 'Explore' }, { path: 'engine', title: 'Processing Engine' }, { path: 'plugins', title: 'Plugins' }, { path: 'server', title: 'Server' }] as const;
type PagePath = (typeof PAGES)[number]['path'];

function currentPage(): PagePath {
  const rest = location.pathname.replace(/^\/ui\/?/, '').replace(/\/$/, '');
  return PAGES.find((p) => p.path === rest)?.path ?? '';
}

type State = { kind: 'loading' } | { kind: 'login'; error?: string } | { kind: 'ready'; open: boolean } | { kind: 'failed'; error: string };

function Login({ error, onToken }: { error?: string; onToken: (t: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <main class="login">
      <h1>influxdb3-engine</h1>
      <form onSubmit={(e) => { e.preventDefault(); if (token.trim()) onToken(token.trim()); }}>
        <label for="token">API token</label>
        <input id="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <p class="muted">Kept in this tab only (sessionStorage), sent as <code>Authorization: Bearer</code>.</p>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary">Sign in</button>
      </form>
    </main>
  );
}

function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [page, setPage] = useState<PagePath>(currentPage);
  useEffect(() => {
    const onPop = () => setPage(currentPage());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    document.title = `${PAGES.find((p) => p.path === page)!.title} · influxdb3-engine`;
  }, [page]);
  const go = (e: Event, path: PagePath) => {
    e.preventDefault();
    history.pushState(null, '', `/ui/${path}`);
    // As a back/forward would: pages that route inside themselves (the engine's hash routes) hear it too.
    dispatchEvent(new PopStateEvent('popstate'));
  };
  useEffect(() => {
    authMode().then(async (mode) => {
      if (mode === 'open') return setState({ kind: 'ready', open: true });
      const token = storedToken();
      if (token && (await checkToken(token))) return setState({ kind: 'ready', open: false });
      storeToken(null);
      setState({ kind: 'login' });
    }).catch((e: Error) => setState({ kind: 'failed', error: e.message }));
  }, []);
  const signIn = (token: string) => {
    checkToken(token).then((ok) => {
      if (!ok) return setState({ kind: 'login', error: 'The server does not accept this token.' });
      storeToken(token);
      setState({ kind: 'ready', open: false });
    }, (e: Error) => setState({ kind: 'login', error: e.message }));
  };
  if (state.kind === 'loading') return <main class="login"><p>Loading…</p></main>;
  if (state.kind === 'failed') return <main class="login"><p class="error" role="alert">{state.error}</p></main>;
  if (state.kind === 'login') return <Login error={state.error} onToken={signIn} />;
  return (
    <div class="shell">
      <header class="top">
        <span class="brand">influxdb3-engine</span>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.path} href={`/ui/${p.path}`} aria-current={page === p.path ? 'page' : undefined} onClick={(e) => go(e, p.path)}>{p.title}</a>
          ))}
        </nav>
        <span class="spacer" />
        {state.open ? <span class="muted">no authentication</span> : (
          <button type="button" onClick={() => { storeToken(null); setState({ kind: 'login' }); }}>Sign out</button>
        )}
      </header>
      {/* Explore stays mounted (hidden) so that its editor, result and scroll position survive a visit elsewhere. */}
      <div class="page-host" hidden={page !== ''}><Explore /></div>
      {page === 'engine' && <EnginePage />}
      {page === 'plugins' && <PluginsPage />}
      {page === 'server' && <ServerPage />}
    </div>
  );
}

render(<App />, document.getElementById('app')!);
