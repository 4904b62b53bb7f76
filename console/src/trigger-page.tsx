// One trigger's page: its definition and arguments, state and counters (every 2 s), the last error with its Python
// traceback, its log tailing live, and enable / disable / delete (a refused delete offers `force`).
import { useEffect, useState } from 'preact/hooks';
import { deleteTrigger, setTriggerEnabled } from './api.js';
import { triggerArguments, triggerStatuses, type TriggerStatus } from './engine-api.js';
import { formatMs, formatRss } from './engine-format.js';
import { engineHref } from './engine-route.js';
import { LogTail } from './log-tail.js';
import { Sparkline } from './sparkline.js';
import { StateCell } from './trigger-list.js';

const REFRESH_MS = 2000;

type Deleting = null | { step: 'ask' } | { step: 'force'; message: string } | { step: 'done' };

export function TriggerPage({ db, name }: { db: string; name: string }) {
  const [t, setT] = useState<TriggerStatus | null | undefined>(undefined);
  const [args, setArgs] = useState<Array<[string, string]> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [deleting, setDeleting] = useState<Deleting>(null);
  useEffect(() => {
    document.title = `${name} · Processing Engine · influxdb3-engine`;
    triggerArguments(db, name).then(setArgs, (e: Error) => setError(e.message));
  }, [db, name]);
  useEffect(() => {
    if (deleting?.step === 'done') return;
    let current = true;
    triggerStatuses(db, name).then((list) => current && (setT(list[0] ?? null), setError(null)), (e: Error) => current && setError(e.message));
    const timer = setTimeout(() => setTick((n) => n + 1), REFRESH_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [db, name, tick, deleting]);
  const act = (what: () => Promise<void>) => what().then(() => setTick((n) => n + 1), (e: Error) => setError(e.message));
  const remove = (force: boolean) => {
    deleteTrigger(db, name, force).then(() => setDeleting({ step: 'done' }), (e: Error) => {
      if (force) setError(e.message);
      else setDeleting({ step: 'force', message: e.message });
    });
  };

  const head = (
    <div class="page-head">
      <h1>Trigger <code>{name}</code> <span class="muted">in {db}</span></h1>
      <a href={engineHref({ kind: 'list' })}>All triggers</a>
    </div>
  );
  if (deleting?.step === 'done') return <main class="page wide">{head}<p role="status">Trigger {name} deleted.</p></main>;
  if (t === undefined) return <main class="page wide">{head}{error ? <p class="error" role="alert">{error}</p> : <p>Loading…</p>}</main>;
  if (t === null) return <main class="page wide">{head}<p class="error" role="alert">No trigger {name} in database {db}.</p></main>;
  const off = t.disabled || t.state === 'disabled';
  const facts: Array<[string, preact.ComponentChild]> = [
    ['State', <StateCell t={t} />],
    ['Spec', <code>{t.spec}</code>],
    ['Plugin', <>{t.plugin}{t.pluginVersion ? <span class="muted"> (version {t.pluginVersion})</span> : null}</>],
    ['Error behavior', t.errorBehavior],
    ['Run async', t.runAsync ? 'yes' : 'no'],
    ['Calls / errors', `${t.calls} / ${t.errors}`],
    ['Timeouts / memory kills / restarts', `${t.timeouts} / ${t.memoryKills} / ${t.restarts}`],
    ['Call time p50 / p99', `${formatMs(t.p50Ms)} / ${formatMs(t.p99Ms)}`],
    ['Queued / dropped', `${t.queued} / ${t.dropped}`],
    ['Runner RSS', formatRss(t.rssBytes)],
    ['Sandbox', t.sandbox ?? '—'],
    ['Last hour', <Sparkline points={t.activity} />],
  ];
  return (
    <main class="page wide trigger-page">
      {head}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="toolbar">
        {off
          ? <button type="button" onClick={() => act(() => setTriggerEnabled(db, name, true))}>Enable</button>
          : <button type="button" onClick={() => act(() => setTriggerEnabled(db, name, false))}>Disable</button>}
        {deleting === null && <button type="button" onClick={() => setDeleting({ step: 'ask' })}>Delete…</button>}
        {deleting?.step === 'ask' && (
          <span class="confirm" role="group" aria-label="Confirm delete">
            Delete {name}? <button type="button" class="danger" onClick={() => remove(false)}>Delete</button>
            <button type="button" onClick={() => setDeleting(null)}>Cancel</button>
          </span>
        )}
        {deleting?.step === 'force' && (
          <span class="confirm" role="group" aria-label="Confirm forced delete">
            <span class="error">{deleting.message}</span> <button type="button" class="danger" onClick={() => remove(true)}>Delete anyway (force)</button>
            <button type="button" onClick={() => setDeleting(null)}>Cancel</button>
          </span>
        )}
      </div>
      <dl class="figures">
        {facts.map(([k, v]) => [<dt key={`${k}-k`}>{k}</dt>, <dd key={`${k}-v`} data-fact={k}>{v}</dd>])}
      </dl>
      <section aria-labelledby="args-head">
        <h2 id="args-head">Arguments</h2>
        {args === null ? <p>Loading…</p> : args.length === 0 ? <p class="muted">No arguments.</p> : (
          <table class="triggers args">
            <thead><tr><th scope="col">Key</th><th scope="col">Value</th></tr></thead>
            <tbody>{args.map(([k, v]) => <tr key={k}><td><code>{k}</code></td><td><code>{v}</code></td></tr>)}</tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="error-head">
        <h2 id="error-head">Last error</h2>
        {t.lastError === null ? <p class="muted">None.</p> : (
          <>
            {t.lastErrorAtMs !== null && <p class="muted">at <time dateTime={new Date(t.lastErrorAtMs).toISOString()}>{new Date(t.lastErrorAtMs).toISOString()}</time></p>}
            <pre class="traceback" tabIndex={0}>{t.lastError}</pre>
          </>
        )}
      </section>
      <LogTail db={db} name={name} />
    </main>
  );
}
