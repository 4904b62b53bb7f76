// Explore: databases → tables → columns on the left; the query editor, results table and chart on the right.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorView } from '@codemirror/view';
import { describeDatabase, download, listDatabases, query, type ColumnInfo, type QueryLanguage, type Row } from './api.js';
import { createEditor, setSchema } from './editor.js';
import { ResultsTable } from './results-table.js';
import { Chart } from './chart.js';
import { columnsOf, toChartData, type ChartData } from './series.js';

const HISTORY_KEY = 'influxdb3.history';
const DB_KEY = 'influxdb3.database';

interface Result {
  rows: Row[];
  columns: string[];
  chart: ChartData | null;
  elapsedMs: number;
  q: string;
  language: QueryLanguage;
  db: string;
  // Which run this is (1, 2, …): tells one result from the next when both have the same figures.
  seq: number;
}

function loadHistory(): string[] {
  try {
    return JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
}

export function Explore() {
  const [databases, setDatabases] = useState<string[] | null>(null);
  const [canList, setCanList] = useState(true);
  const [db, setDb] = useState<string>(sessionStorage.getItem(DB_KEY) ?? '');
  const [tables, setTables] = useState<Map<string, ColumnInfo[]>>(new Map());
  const [open, setOpen] = useState<string | null>(null);
  const [language, setLanguage] = useState<QueryLanguage>('sql');
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [history, setHistory] = useState<string[]>(loadHistory);
  const editorHost = useRef<HTMLDivElement>(null);
  const editor = useRef<EditorView | null>(null);
  const run = useRef<() => void>(() => {});

  useEffect(() => {
    listDatabases().then((list) => {
      if (list === null) {
        setCanList(false);
        return;
      }
      setDatabases(list);
      // The user's databases first: `_internal` and other underscore names are the server's own.
      if (!list.includes(db) && list.length > 0) setDb(list.find((d) => !d.startsWith('_')) ?? list[0]!);
    }, (e: Error) => setError(e.message));
  }, []);

  useEffect(() => {
    sessionStorage.setItem(DB_KEY, db);
    setTables(new Map());
    setError(null);
    if (!db) return;
    // A slower answer for the database chosen before must not replace this one's tables.
    let current = true;
    describeDatabase(db).then((t) => {
      if (!current) return;
      setTables(t);
      if (editor.current) setSchema(editor.current, t);
    }, (e: Error) => current && setError(`database ${db}: ${e.message}`));
    return () => {
      current = false;
    };
  }, [db]);

  useEffect(() => {
    editor.current = createEditor(editorHost.current!, { doc: history[0] ?? '', onRun: () => run.current(), label: 'Query' });
    return () => editor.current?.destroy();
  }, []);

  run.current = () => {
    const q = editor.current?.state.doc.toString().trim() ?? '';
    if (!q || !db || running) return;
    setRunning(true);
    setError(null);
    const started = performance.now();
    query(db, q, language).then(async (rows) => {
      const elapsedMs = performance.now() - started;
      const seq = (result?.seq ?? 0) + 1;
      setResult({ rows, columns: columnsOf(rows), chart: await toChartData(rows), elapsedMs, q, language, db, seq });
      const next = [q, ...history.filter((h) => h !== q)].slice(0, 50);
      setHistory(next);
      localStorage.setItem(HISTORY_KEY, JSON.stringify(next));
    }, (e: Error) => {
      setResult(null);
      setError(e.message);
    }).finally(() => setRunning(false));
  };

  const setQuery = (q: string) => {
    const view = editor.current!;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: q } });
    view.focus();
  };

  const save = async (format: 'csv' | 'jsonl' | 'parquet') => {
    if (!result) return;
    try {
      const blob = await download(result.db, result.q, result.language, format);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `query.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div class="explore">
      <nav class="tree" aria-label="Databases and tables">
        <label for="db">Database</label>
        {canList ? (
          <select id="db" value={db} onChange={(e) => setDb((e.target as HTMLSelectElement).value)}>
            {(databases ?? []).map((d) => <option key={d} value={d}>{d}</option>)}
          </select>
        ) : (
          <input id="db" value={db} placeholder="database name" onChange={(e) => setDb((e.target as HTMLInputElement).value.trim())} />
        )}
        {databases !== null && databases.length === 0 && <p class="muted">No databases yet.</p>}
        <ul class="tables">
          {[...tables.entries()].map(([t, cols]) => (
            <li key={t}>
              <button type="button" class="table-name" aria-expanded={open === t} onClick={() => setOpen(open === t ? null : t)}>{t}</button>
              {open === t && (
                <ul class="columns">
                  {cols.map((c) => (
                    <li key={c.name}><span class="col-name">{c.name}</span> <span class={`kind kind-${c.kind}`}>{c.kind}</span> <span class="muted">{c.type}</span></li>
                  ))}
                  <li><button type="button" class="link" onClick={() => setQuery(`SELECT * FROM "${t}" ORDER BY time DESC LIMIT 100`)}>Query this table</button></li>
                </ul>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <main class="work">
        <div class="toolbar">
          <label for="language">Language</label>
          <select id="language" value={language} onChange={(e) => setLanguage((e.target as HTMLSelectElement).value as QueryLanguage)}>
            <option value="sql">SQL</option>
            <option value="influxql">InfluxQL</option>
          </select>
          <button type="button" class="primary" onClick={() => run.current()} disabled={running || !db}>{running ? 'Running…' : 'Run (Ctrl-Enter)'}</button>
          <label for="history">History</label>
          <select id="history" value="" onChange={(e) => { const v = (e.target as HTMLSelectElement).value; if (v) setQuery(v); }}>
            <option value="">—</option>
            {history.map((h) => <option key={h} value={h}>{h.length > 80 ? `${h.slice(0, 80)}…` : h}</option>)}
          </select>
        </div>
        <div class="editor" ref={editorHost} />
        {error && <p class="error" role="alert">{error}</p>}
        {result && (
          <section class="result" aria-label="Result" data-run={result.seq}>
            <div class="result-bar">
              <span class="stats" data-testid="stats">{result.rows.length} rows in {result.elapsedMs.toFixed(0)} ms</span>
              <button type="button" onClick={() => save('csv')}>CSV</button>
              <button type="button" onClick={() => save('jsonl')}>JSON Lines</button>
              <button type="button" onClick={() => save('parquet')}>Parquet</button>
            </div>
            {result.chart && <Chart data={result.chart} />}
            {result.chart?.decimated && <p class="muted">Chart: {result.chart.xs.length} of {result.rows.length} points (min and max of each interval).</p>}
            <ResultsTable rows={result.rows} columns={result.columns} />
          </section>
        )}
      </main>
    </div>
  );
}
