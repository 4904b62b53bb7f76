// The Processing Engine's trigger list: definition, state, counters, latency, queue, runner memory and the last hour
// per trigger; enable, disable and delete (force asked for when the server refuses a plain delete).
import { deleteTrigger, setTriggerEnabled } from './api.js';
import { engineHref } from './engine-route.js';
import { formatMs, formatRss, hasRecentErrors, stateView } from './engine-format.js';
import type { TriggerStatus } from './engine-api.js';
import { Sparkline } from './sparkline.js';

export function StateCell({ t }: { t: TriggerStatus }) {
  const v = stateView(t.state, t.reason, hasRecentErrors(t.activity));
  return (
    <span class={`state state-${v.tone}`}>
      {v.label}{v.reason ? <span class="muted"> ({v.reason})</span> : null}
    </span>
  );
}

export async function deleteWithForce(t: { database: string; name: string }): Promise<void> {
  if (!confirm(`Delete trigger ${t.name} of ${t.database}?`)) return;
  try {
    await deleteTrigger(t.database, t.name, false);
  } catch (e) {
    if (!confirm(`${(e as Error).message}\n\nDelete it anyway (force)?`)) return;
    await deleteTrigger(t.database, t.name, true);
  }
}

const HEADS = ['Database', 'Trigger', 'Spec', 'Plugin', 'State', 'Calls', 'Errors', 'Timeouts', 'Restarts', 'p50 / p99', 'Queue / drops', 'Runner RSS', 'Last hour'];

export function TriggerList({ triggers, act }: { triggers: TriggerStatus[]; act: (what: () => Promise<void>) => void }) {
  return (
    <div class="table-scroll">
      <table class="triggers">
        <thead>
          <tr>{HEADS.map((h, i) => <th key={h} scope="col" class={i >= 5 && i <= 11 ? 'num' : undefined}>{h}</th>)}<th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {triggers.map((t) => (
            <tr key={`${t.database}/${t.name}`} data-trigger={t.name}>
              <td>{t.database}</td>
              <td><a href={engineHref({ kind: 'trigger', db: t.database, name: t.name })}>{t.name}</a></td>
              <td><code>{t.spec}</code></td>
              <td>{t.plugin}{t.pluginVersion ? <span class="muted"> @{t.pluginVersion.slice(0, 12)}</span> : null}</td>
              <td data-col="state"><StateCell t={t} /></td>
              <td data-col="calls" class="num">{t.calls}</td>
              <td data-col="errors" class={t.errors > 0 ? 'num bad' : 'num'} title={t.lastError ?? undefined}>{t.errors}</td>
              <td class="num">{t.timeouts}</td>
              <td class="num">{t.restarts}</td>
              <td class="num">{formatMs(t.p50Ms)} / {formatMs(t.p99Ms)}</td>
              <td class="num">{t.queued} / {t.dropped}</td>
              <td class="num">{formatRss(t.rssBytes)}</td>
              <td><Sparkline points={t.activity} /></td>
              <td class="actions">
                {t.disabled || t.state === 'disabled'
                  ? <button type="button" onClick={() => act(() => setTriggerEnabled(t.database, t.name, true))}>Enable <span class="sr-only">{t.name}</span></button>
                  : <button type="button" onClick={() => act(() => setTriggerEnabled(t.database, t.name, false))}>Disable <span class="sr-only">{t.name}</span></button>}
                <button type="button" onClick={() => act(() => deleteWithForce(t))}>Delete <span class="sr-only">{t.name}</span></button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
