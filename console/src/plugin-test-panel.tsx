// Dry runs of the open plugin against a database: a WAL test with sample line protocol or a schedule test, and what
// the run logged, would have written and raised (with the Python traceback).
import { useEffect, useState } from 'preact/hooks';
import { listDatabases } from './api.js';
import { dryRunView, type DryRunView } from './dry-run.js';
import { parseArgs, runDryRun } from './plugin-api.js';

const SAMPLE_LP = 'cpu,host=a usage=0.5\ncpu,host=b usage=0.9';

// `resetKey` names the open file: another file clears the last result (its draft being saved does not).
export function PluginTestPanel({ filename, resetKey, beforeRun }: { filename: string; resetKey: string; beforeRun: () => Promise<boolean> }) {
  const [databases, setDatabases] = useState<string[] | null>(null);
  const [database, setDatabase] = useState('');
  const [kind, setKind] = useState<'wal' | 'schedule'>('wal');
  const [lp, setLp] = useState(SAMPLE_LP);
  const [schedule, setSchedule] = useState('');
  const [args, setArgs] = useState('');
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<DryRunView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listDatabases().then((list) => {
      const user = (list ?? []).filter((d) => !d.startsWith('_'));
      setDatabases(list === null ? null : user);
      if (user.length > 0) setDatabase((d) => d || user[0]!);
    }, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => setResult(null), [resetKey]);

  const run = async () => {
    setError(null);
    setResult(null);
    if (!database.trim()) return setError('Choose a database to test against.');
    setRunning(true);
    try {
      if (!(await beforeRun())) return;
      const a = parseArgs(args);
      const r = kind === 'wal'
        ? await runDryRun({ kind, filename, database: database.trim(), lp, args: a })
        : await runDryRun({ kind, filename, database: database.trim(), schedule, args: a });
      setResult(dryRunView(r));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setRunning(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="test-heading">
      <h2 id="test-heading">Test</h2>
      <p class="muted">A dry run in a separate Python process: nothing is written, the plugin's writes are shown instead.</p>
      <form class="test-form" onSubmit={(e) => { e.preventDefault(); void run(); }}>
        <fieldset class="choice">
          <legend>Trigger</legend>
          <label><input type="radio" name="test-kind" checked={kind === 'wal'} onChange={() => setKind('wal')} /> WAL (data written)</label>
          <label><input type="radio" name="test-kind" checked={kind === 'schedule'} onChange={() => setKind('schedule')} /> Schedule</label>
        </fieldset>
        <label for="test-db">Database</label>
        {databases === null
          ? <input id="test-db" value={database} onInput={(e) => setDatabase((e.target as HTMLInputElement).value)} />
          : (
            <select id="test-db" value={database} onChange={(e) => setDatabase((e.target as HTMLSelectElement).value)}>
              {databases.length === 0 && <option value="">(no databases)</option>}
              {databases.map((d) => <option key={d} value={d}>{d}</option>)}
            </select>
          )}
        {kind === 'wal'
          ? [<label key="l" for="test-lp">Line protocol written</label>, <textarea key="t" id="test-lp" rows={4} value={lp} onInput={(e) => setLp((e.target as HTMLTextAreaElement).value)} />]
          : [<label key="l" for="test-schedule">Schedule (cron, empty: every second)</label>, <input key="i" id="test-schedule" value={schedule} placeholder="* * * * * *" onInput={(e) => setSchedule((e.target as HTMLInputElement).value)} />]}
        <label for="test-args">Arguments (key=value, comma separated)</label>
        <input id="test-args" value={args} onInput={(e) => setArgs((e.target as HTMLInputElement).value)} />
        <div><button type="submit" class="primary" disabled={running}>{running ? 'Testing…' : 'Run test'}</button></div>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {result && <DryRunResult view={result} />}
    </section>
  );
}

function DryRunResult({ view }: { view: DryRunView }) {
  return (
    <div class="dry-run" data-outcome={view.ok ? 'ok' : 'failed'} aria-live="polite">
      <p class={view.ok ? 'ok' : 'error'}>{view.ok ? 'The plugin ran without errors.' : 'The plugin failed.'}{view.triggerTime ? ` Trigger time: ${view.triggerTime}.` : ''}</p>
      <h3>Log lines</h3>
      {view.logLines.length === 0 ? <p class="muted">None.</p> : <pre class="log-lines">{view.logLines.join('\n')}</pre>}
      <h3>Writes it would make</h3>
      {view.writes.length === 0 ? <p class="muted">None.</p> : view.writes.map((w) => (
        <div key={w.database} class="writes" data-database={w.database}>
          <p>to <code>{w.database}</code>:</p>
          <pre>{w.lines.join('\n')}</pre>
        </div>
      ))}
      {view.errors.length > 0 && <h3>Errors</h3>}
      {view.errors.map((e, i) => (
        <div key={i} class="plugin-error">
          <p class="error">{e.message}</p>
          {e.traceback && <pre class="test-traceback">{e.traceback}</pre>}
        </div>
      ))}
    </div>
  );
}
