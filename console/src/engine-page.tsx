// Processing Engine: every trigger with its state, calls and errors (refreshed every 5 seconds); enable, disable and
// delete (force asked for when the server refuses a plain delete).
import { useEffect, useState } from 'preact/hooks';
import { deleteTrigger, listDatabases, listTriggers, setTriggerEnabled, type TriggerRow } from './api.js';

const REFRESH_MS = 5000;

export function EnginePage() {
  const [db, setDb] = useState<string | null>(null);
  const [triggers, setTriggers] = useState<TriggerRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  // An admin token reads every database's triggers from `_internal`; a database token its own database's.
  useEffect(() => {
    listDatabases().then((list) => setDb(list === null ? (sessionStorage.getItem('influxdb3.database') ?? '') : '_internal'), (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    if (!db) return;
    let current = true;
    listTriggers(db).then((t) => current && (setTriggers(t), setError(null)), (e: Error) => current && setError(e.message));
    const timer = setTimeout(() => setTick((n) => n + 1), REFRESH_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [db, tick]);

  const act = async (what: () => Promise<void>) => {
    try {
      await what();
      setTick((n) => n + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const remove = (t: TriggerRow) => act(async () => {
    if (!confirm(`Delete trigger ${t.name} of ${t.database}?`)) return;
    try {
      await deleteTrigger(t.database, t.name, false);
    } catch (e) {
      if (!confirm(`${(e as Error).message}\n\nDelete it anyway (force)?`)) return;
      await deleteTrigger(t.database, t.name, true);
    }
  });

  return (
    <main class="page wide">
      <h1>Processing Engine</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {db === '' && <p class="muted">Choose your database on the Explore page first.</p>}
      {triggers !== null && triggers.length === 0 && <p class="muted">No triggers.</p>}
      {triggers !== null && triggers.length > 0 && (
        <table class="triggers">
          <thead>
            <tr><th scope="col">Database</th><th scope="col">Trigger</th><th scope="col">Plugin</th><th scope="col">Spec</th><th scope="col">State</th><th scope="col">Calls</th><th scope="col">Errors</th><th scope="col">Last error</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {triggers.map((t) => (
              <tr key={`${t.database}/${t.name}`} data-trigger={t.name}>
                <td>{t.database}</td>
                <td>{t.name}</td>
                <td>{t.plugin}</td>
                <td><code>{t.spec}</code></td>
                <td data-col="state">{t.state}{t.reason ? <span class="muted"> ({t.reason})</span> : null}</td>
                <td data-col="calls">{t.calls}</td>
                <td data-col="errors">{t.errors}</td>
                <td class="last-error" title={t.lastError ?? undefined}>{t.lastError ?? ''}</td>
                <td class="actions">
                  {t.state === 'disabled'
                    ? <button type="button" onClick={() => act(() => setTriggerEnabled(t.database, t.name, true))}>Enable <span class="sr-only">{t.name}</span></button>
                    : <button type="button" onClick={() => act(() => setTriggerEnabled(t.database, t.name, false))}>Disable <span class="sr-only">{t.name}</span></button>}
                  <button type="button" onClick={() => remove(t)}>Delete <span class="sr-only">{t.name}</span></button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
