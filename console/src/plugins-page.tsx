// Plugins: the plugin registry (files, versions, the triggers using each), an editor to change a plugin and save
// it through the upload API, dry-run tests of the edited text, and package installs.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorView } from '@codemirror/view';
import { ApiError } from './api.js';
import { listPlugins, pluginFilePath, readPluginFile, savePluginFile, type PluginInfo } from './plugin-api.js';
import { createPythonEditor, setDoc } from './python-editor.js';
import { PluginTestPanel } from './plugin-test-panel.js';
import { PackageInstall } from './package-install.js';

// Unsaved text of a single-file plugin is tested from here: a hidden folder the plugin registry ignores.
export const DRAFT_DIR = '.console-drafts';

const NEW_PLUGIN = `def process_writes(influxdb3_local, table_batches, args=None):
    for batch in table_batches:
        influxdb3_local.info(f"{batch['table_name']}: {len(batch['rows'])} rows")
`;

interface Open {
  plugin: PluginInfo;
  file: string;
  path: string;
  saved: string;
}

function refusal(e: unknown, what: string): string {
  if (e instanceof ApiError && e.status === 403) return `${what} needs an admin token; the server refused this one (403: ${e.message}).`;
  return (e as Error).message;
}

export function PluginsPage() {
  const [plugins, setPlugins] = useState<PluginInfo[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [open, setOpen] = useState<Open | null>(null);
  const [dirty, setDirty] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [newName, setNewName] = useState('');
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const saveRef = useRef<() => void>(() => {});

  const reload = () => listPlugins().then((p) => { setPlugins(p); setListError(null); }, (e) => setListError(refusal(e, 'The plugin registry')));
  useEffect(() => { void reload(); }, []);
  useEffect(() => () => view.current?.destroy(), []);

  const show = (o: Open, text: string) => {
    if (!view.current) view.current = createPythonEditor(host.current!, { doc: text, label: 'Plugin source', onSave: () => saveRef.current(), onChange: () => setDirty(true) });
    else setDoc(view.current, text);
    setOpen(o);
    setDirty(false);
  };
  const openFile = async (plugin: PluginInfo, file: string) => {
    if (dirty && !confirm('Discard the unsaved changes?')) return;
    setStatus(null);
    const path = pluginFilePath(plugin, file);
    try {
      const text = await readPluginFile(path);
      show({ plugin, file, path, saved: text }, text);
    } catch (e) {
      setStatus({ ok: false, text: refusal(e, 'Reading a plugin') });
    }
  };
  const save = async () => {
    if (!open || !view.current) return;
    const text = view.current.state.doc.toString();
    try {
      await savePluginFile(open.path, text);
      setOpen({ ...open, saved: text });
      setDirty(false);
      setStatus({ ok: true, text: `Saved ${open.path}.` });
      void reload();
    } catch (e) {
      setStatus({ ok: false, text: `Not saved: ${refusal(e, 'Saving a plugin')}` });
    }
  };
  saveRef.current = () => void save();
  const create = (e: Event) => {
    e.preventDefault();
    const name = newName.trim().replace(/^\/+/, '');
    if (!name) return;
    const file = name.endsWith('.py') ? name : `${name}.py`;
    const plugin: PluginInfo = { name: file, kind: 'file', source: 'local', version: null, fileCount: 0, sizeBytes: 0, usedBy: [], lastError: null, files: [file] };
    show({ plugin, file, path: file, saved: '' }, NEW_PLUGIN);
    setDirty(true);
    setStatus({ ok: true, text: `New plugin ${file}: not on the server until you save it.` });
  };
  // Unsaved text of a file plugin is written to the draft folder and tested there; a package is tested as saved.
  const testTarget = (): { filename: string; draft: boolean } | null => {
    if (!open) return null;
    if (!dirty) return { filename: open.plugin.name, draft: false };
    if (open.plugin.kind === 'package') return { filename: open.plugin.name, draft: false };
    return { filename: `${DRAFT_DIR}/${open.path}`, draft: true };
  };
  const target = testTarget();
  const beforeRun = async (): Promise<boolean> => {
    if (!target?.draft) return true;
    await savePluginFile(target.filename, view.current!.state.doc.toString());
    return true;
  };

  return (
    <main class="page wide plugins">
      <h1>Plugins</h1>
      {listError && <p class="error" role="alert">{listError}</p>}
      <div class="plugins-grid">
        <nav class="plugin-list" aria-label="Plugins">
          {plugins === null && !listError && <p>Loading…</p>}
          {plugins?.length === 0 && <p class="muted">No plugins in the plugin directory.</p>}
          <ul>
            {plugins?.map((p) => (
              <li key={p.name} data-plugin={p.name}>
                <button type="button" class="link plugin-name" aria-current={open?.plugin.name === p.name ? 'true' : undefined} onClick={() => void openFile(p, p.files[0]!)}>{p.name}</button>
                <div class="muted small">
                  {p.kind ?? 'missing'} · {p.source} · version <code>{p.version ?? '—'}</code> · {p.fileCount} file{p.fileCount === 1 ? '' : 's'}
                </div>
                <div class="small" data-col="used-by">{p.usedBy.length ? `used by ${p.usedBy.join(', ')}` : 'no triggers'}</div>
                {p.lastError && <div class="small error-text">{p.lastError}</div>}
              </li>
            ))}
          </ul>
          <form class="new-plugin" onSubmit={create}>
            <label for="new-plugin">New plugin file</label>
            <input id="new-plugin" value={newName} placeholder="my_plugin.py" onInput={(e) => setNewName((e.target as HTMLInputElement).value)} />
            <button type="submit">New</button>
          </form>
        </nav>
        <div class="plugin-work">
          <div class="toolbar" hidden={!open}>
            <strong>{open?.path}</strong>
            {open && open.plugin.files.length > 1 && (
              <select aria-label="File of the package" value={open.file} onChange={(e) => void openFile(open.plugin, (e.target as HTMLSelectElement).value)}>
                {open.plugin.files.map((f) => <option key={f} value={f}>{f}</option>)}
              </select>
            )}
            {dirty && <span class="muted">unsaved changes</span>}
            <span class="spacer" />
            <button type="button" class="primary" onClick={() => void save()} disabled={!open}>Save</button>
          </div>
          {!open && <p class="muted">Open a plugin from the list, or start a new one.</p>}
          {status && <p class={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'}>{status.text}</p>}
          <div class="editor plugin-editor" ref={host} hidden={!open} />
          {open && target && (
            <>
              {target.draft && <p class="muted small">The test runs the editor's text (written to <code>{DRAFT_DIR}/</code>), not the saved file.</p>}
              {dirty && open.plugin.kind === 'package' && <p class="muted small">A package is tested as saved: save to test your changes.</p>}
              <PluginTestPanel filename={target.filename} resetKey={open.path} beforeRun={beforeRun} />
            </>
          )}
          <PackageInstall />
        </div>
      </div>
    </main>
  );
}
