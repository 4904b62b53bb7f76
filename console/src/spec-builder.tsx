// The spec part of the create form: what fires the trigger (a table's writes, all tables, every <duration>,
// cron <expr> with its next five firing times, request <path> with its URL and a curl example), checked by the
// server's own parser as the user types.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { tableNames } from './engine-api.js';
import { buildSpec, curlExample, nextCronTimes, requestUrl, specProblem, utcText, type SpecDraft, type SpecKind } from './spec-build.js';

const KINDS: Array<[SpecKind, string]> = [['table', 'Writes to a table'], ['all_tables', 'Writes to any table'], ['every', 'Every interval'], ['cron', 'Cron schedule'], ['request', 'HTTP request']];

function CronNext({ expression }: { expression: string }) {
  const result = useMemo(() => {
    try {
      return { times: nextCronTimes(expression, Date.now(), 5) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [expression]);
  if ('error' in result) return null;
  return (
    <div class="hint">
      <p id="cron-next-head">Next firing times (UTC):</p>
      <ol class="cron-next" aria-labelledby="cron-next-head">{result.times.map((t) => <li key={t}><time dateTime={new Date(t).toISOString()}>{utcText(t)}</time></li>)}</ol>
    </div>
  );
}

export function SpecBuilder({ db, draft, onChange }: { db: string; draft: SpecDraft; onChange: (d: SpecDraft) => void }) {
  const [tables, setTables] = useState<string[]>([]);
  useEffect(() => {
    if (!db) return setTables([]);
    tableNames(db).then(setTables, () => setTables([]));
  }, [db]);
  const set = (patch: Partial<SpecDraft>) => onChange({ ...draft, ...patch });
  const spec = buildSpec(draft);
  const problem = specProblem(spec);
  const url = requestUrl(location.origin, draft.path);
  return (
    <fieldset class="spec-builder">
      <legend>Trigger spec</legend>
      <div class="kinds" role="radiogroup" aria-label="What fires the trigger">
        {KINDS.map(([k, label]) => (
          <label key={k}><input type="radio" name="spec-kind" value={k} checked={draft.kind === k} onChange={() => set({ kind: k })} /> {label}</label>
        ))}
      </div>
      {draft.kind === 'table' && (
        <label>Table
          <input list="spec-tables" value={draft.table} onInput={(e) => set({ table: (e.target as HTMLInputElement).value })} />
          <datalist id="spec-tables">{tables.map((t) => <option key={t} value={t} />)}</datalist>
        </label>
      )}
      {draft.kind === 'every' && (
        <label>Interval <span class="muted">(e.g. 10s, 5m, 1h 30m)</span>
          <input value={draft.every} onInput={(e) => set({ every: (e.target as HTMLInputElement).value })} />
        </label>
      )}
      {draft.kind === 'cron' && (
        <>
          <label>Cron expression <span class="muted">(sec min hour day month weekday [year]; 1 = Sunday; or 5 classic fields)</span>
            <input value={draft.cron} onInput={(e) => set({ cron: (e.target as HTMLInputElement).value })} />
          </label>
          <CronNext expression={draft.cron} />
        </>
      )}
      {draft.kind === 'request' && (
        <>
          <label>Path
            <input value={draft.path} placeholder="my/hook" onInput={(e) => set({ path: (e.target as HTMLInputElement).value })} />
          </label>
          {!problem && (
            <div class="hint">
              <p>URL: <code data-testid="request-url">{url}</code></p>
              <pre class="curl" tabIndex={0}>{curlExample(url)}</pre>
            </div>
          )}
        </>
      )}
      <p>Spec: <code data-testid="spec">{spec}</code></p>
      {problem && <p class="error" role="status">{problem}</p>}
    </fieldset>
  );
}
