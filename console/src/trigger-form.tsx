// Create a trigger: database, name, plugin (names the server knows offered), the spec builder, arguments, error
// behavior, run_async, disabled; sent as the CLI sends it, the server's refusal shown as it is.
import { useEffect, useState } from 'preact/hooks';
import { createTrigger, knownPlugins, type NewTrigger } from './engine-api.js';
import { engineHash, engineHref } from './engine-route.js';
import { SpecBuilder } from './spec-builder.js';
import { EMPTY_DRAFT, buildSpec, type SpecDraft } from './spec-build.js';

const value = (e: Event): string => (e.target as HTMLInputElement).value;

export function TriggerForm({ databases, defaultDb }: { databases: string[] | null; defaultDb: string }) {
  const [db, setDb] = useState(defaultDb);
  const [name, setName] = useState('');
  const [plugin, setPlugin] = useState('');
  const [plugins, setPlugins] = useState<string[]>([]);
  const [draft, setDraft] = useState<SpecDraft>(EMPTY_DRAFT);
  const [args, setArgs] = useState<Array<[string, string]>>([]);
  const [errorBehavior, setErrorBehavior] = useState<NewTrigger['errorBehavior']>('log');
  const [runAsync, setRunAsync] = useState(false);
  const [disabled, setDisabled] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'New trigger · Processing Engine · influxdb3-engine';
    knownPlugins().then(setPlugins, () => setPlugins([]));
  }, []);
  useEffect(() => setDb((d) => d || defaultDb), [defaultDb]);
  const setArg = (i: number, at: 0 | 1, v: string) => setArgs(args.map((a, j) => (j === i ? (at === 0 ? [v, a[1]] : [a[0], v]) : a)));
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const t: NewTrigger = { db: db.trim(), name: name.trim(), plugin: plugin.trim(), spec: buildSpec(draft), arguments: args, errorBehavior, runAsync, disabled };
    createTrigger(t).then(() => {
      location.hash = engineHash({ kind: 'trigger', db: t.db, name: t.name });
    }, (err: Error) => {
      setError(err.message);
      setBusy(false);
    });
  };
  return (
    <main class="page">
      <div class="page-head">
        <h1>New trigger</h1>
        <a href={engineHref({ kind: 'list' })}>All triggers</a>
      </div>
      <form class="trigger-form" onSubmit={submit}>
        <label>Database
          <input list="form-databases" required value={db} onInput={(e) => setDb(value(e))} />
          <datalist id="form-databases">{(databases ?? []).filter((d) => d !== '_internal').map((d) => <option key={d} value={d} />)}</datalist>
        </label>
        <label>Trigger name
          <input required value={name} onInput={(e) => setName(value(e))} />
        </label>
        <label>Plugin file <span class="muted">(in the plugin directory, or gh:…)</span>
          <input list="form-plugins" required value={plugin} onInput={(e) => setPlugin(value(e))} />
          <datalist id="form-plugins">{plugins.map((p) => <option key={p} value={p} />)}</datalist>
        </label>
        <SpecBuilder db={db.trim()} draft={draft} onChange={setDraft} />
        <fieldset>
          <legend>Arguments</legend>
          {args.length === 0 && <p class="muted">None.</p>}
          {args.map(([k, v], i) => (
            <div class="arg-row" key={i}>
              <input aria-label={`argument ${i + 1} key`} placeholder="key" value={k} onInput={(e) => setArg(i, 0, value(e))} />
              <input aria-label={`argument ${i + 1} value`} placeholder="value" value={v} onInput={(e) => setArg(i, 1, value(e))} />
              <button type="button" onClick={() => setArgs(args.filter((_, j) => j !== i))}>Remove <span class="sr-only">argument {i + 1}</span></button>
            </div>
          ))}
          <button type="button" onClick={() => setArgs([...args, ['', '']])}>Add argument</button>
        </fieldset>
        <label>Error behavior
          <select value={errorBehavior} onChange={(e) => setErrorBehavior(value(e) as NewTrigger['errorBehavior'])}>
            <option value="log">log (keep running)</option>
            <option value="retry">retry</option>
            <option value="disable">disable the trigger</option>
          </select>
        </label>
        <label class="check"><input type="checkbox" checked={runAsync} onChange={(e) => setRunAsync((e.target as HTMLInputElement).checked)} /> Run async</label>
        <label class="check"><input type="checkbox" checked={disabled} onChange={(e) => setDisabled((e.target as HTMLInputElement).checked)} /> Create disabled</label>
        {error && <p class="error" role="alert">{error}</p>}
        <div><button type="submit" class="primary" disabled={busy}>Create trigger</button></div>
      </form>
    </main>
  );
}
