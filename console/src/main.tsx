// The console's shell: asks for a token once (unless the server runs --without-auth), then shows Explore.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { authMode, checkToken, storeToken, storedToken } from './api.js';
import { Explore } from './explore.js';

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
        <span class="muted">Explore</span>
        <span class="spacer" />
        {state.open ? <span class="muted">no authentication</span> : (
          <button type="button" onClick={() => { storeToken(null); setState({ kind: 'login' }); }}>Sign out</button>
        )}
      </header>
      <Explore />
    </div>
  );
}

render(<App />, document.getElementById('app')!);
