// Installs Python packages into the plugin environment, showing pip's output line by line as the server streams it.
import { useState } from 'preact/hooks';
import { installPackages } from './plugin-api.js';
import { streamOutcome, type ProgressEvent } from './ndjson.js';

export function PackageInstall() {
  const [packages, setPackages] = useState('');
  const [lines, setLines] = useState<string[]>([]);
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null);
  const [running, setRunning] = useState(false);
  const install = async () => {
    const list = packages.split(/[\s,]+/).filter(Boolean);
    if (list.length === 0) return;
    setRunning(true);
    setLines([]);
    setOutcome(null);
    const events: ProgressEvent[] = [];
    try {
      await installPackages(list, (e) => {
        events.push(e);
        if (e.type === 'progress') setLines((l) => [...l, e.line]);
      });
      setOutcome(streamOutcome(events));
    } catch (e) {
      setOutcome({ ok: false, message: (e as Error).message });
    } finally {
      setRunning(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="packages-heading">
      <h2 id="packages-heading">Python packages</h2>
      <form class="toolbar" onSubmit={(e) => { e.preventDefault(); void install(); }}>
        <label for="packages">Packages (pip requirement specifiers)</label>
        <input id="packages" value={packages} placeholder="requests==2.32.3" onInput={(e) => setPackages((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={running}>{running ? 'Installing…' : 'Install'}</button>
      </form>
      {lines.length > 0 && <pre class="pip-output" aria-label="pip output">{lines.join('\n')}</pre>}
      {outcome && <p class={outcome.ok ? 'ok' : 'error'} role={outcome.ok ? 'status' : 'alert'} data-install-outcome={outcome.ok ? 'ok' : 'failed'}>{outcome.message}</p>}
    </section>
  );
}
