// Processing Engine: the trigger list (refreshed every 5 seconds), a trigger's own page and the create form, routed
// by the URL's hash under /ui/engine (engine-route.ts).
import { useEffect, useState } from 'preact/hooks';
import './engine.css';
import { listDatabases } from './api.js';
import { triggerStatuses, type TriggerStatus } from './engine-api.js';
import { engineHref, parseEngineRoute, type EngineRoute } from './engine-route.js';
import { TriggerForm } from './trigger-form.js';
import { TriggerList } from './trigger-list.js';
import { TriggerPage } from './trigger-page.js';

const REFRESH_MS = 5000;

function useEngineRoute(): EngineRoute {
  const [route, setRoute] = useState(() => parseEngineRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseEngineRoute(location.hash));
    addEventListener('hashchange', onChange);
    addEventListener('popstate', onChange);
    return () => {
      removeEventListener('hashchange', onChange);
      removeEventListener('popstate', onChange);
    };
  }, []);
  return route;
}

export function EnginePage() {
  const route = useEngineRoute();
  const [db, setDb] = useState<string | null>(null);
  const [databases, setDatabases] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // An admin token reads every database's triggers from `_internal`; a database token its own database's.
  useEffect(() => {
    listDatabases().then((list) => {
      setDatabases(list);
      setDb(list === null ? (sessionStorage.getItem('influxdb3.database') ?? '') : '_internal');
    }, (e: Error) => setError(e.message));
  }, []);
  if (route.kind === 'trigger') return <TriggerPage db={route.db} name={route.name} />;
  if (route.kind === 'new') return <TriggerForm databases={databases} defaultDb={db && db !== '_internal' ? db : ''} />;
  return <ListPage db={db} error={error} />;
}

function ListPage({ db, error: loadError }: { db: string | null; error: string | null }) {
  const [triggers, setTriggers] = useState<TriggerStatus[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!db) return;
    let current = true;
    triggerStatuses(db).then((t) => current && (setTriggers(t), setError(null)), (e: Error) => current && setError(e.message));
    const timer = setTimeout(() => setTick((n) => n + 1), REFRESH_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [db, tick]);
  const act = (what: () => Promise<void>) => {
    what().then(() => setTick((n) => n + 1), (e: Error) => setError(e.message));
  };
  const shown = error ?? loadError;
  return (
    <main class="page wide">
      <div class="page-head">
        <h1>Processing Engine</h1>
        <a class="button primary" href={engineHref({ kind: 'new' })}>New trigger</a>
      </div>
      {shown && <p class="error" role="alert">{shown}</p>}
      {db === '' && <p class="muted">Choose your database on the Explore page first.</p>}
      {triggers !== null && triggers.length === 0 && <p class="muted">No triggers.</p>}
      {triggers !== null && triggers.length > 0 && <TriggerList triggers={triggers} act={act} />}
    </main>
  );
}
