// Server: health, version, uptime, memory, and write/query figures from /metrics, refreshed every 5 seconds.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, serverStatus, type ServerStatus } from './api.js';
import { ServerAdmin } from './server-admin.js';
import { formatBytes, formatDuration, parseMetrics, rate, serverFigures, type ServerFigures } from './metrics.js';

const REFRESH_MS = 5000;

interface Reading {
  status: ServerStatus;
  figures: ServerFigures;
  at: number;
  writeRate: number | null;
  queryRate: number | null;
}

const show = (v: number | null, f: (n: number) => string = (n) => n.toLocaleString('en-US')): string => (v === null ? '—' : f(v));

export function ServerPage() {
  const [reading, setReading] = useState<Reading | null>(null);
  const [error, setError] = useState<string | null>(null);
  const last = useRef<Reading | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = () => serverStatus().then((status) => {
      if (stopped) return;
      const at = Date.now() / 1000;
      const figures = serverFigures(parseMetrics(status.metrics), at);
      const prev = last.current;
      const dt = prev ? at - prev.at : 0;
      const next = { status, figures, at, writeRate: rate(prev?.figures.writeLines, figures.writeLines, dt), queryRate: rate(prev?.figures.queries, figures.queries, dt) };
      last.current = next;
      setReading(next);
      setError(null);
    }, (e: Error) => !stopped && setError(e instanceof ApiError && e.status === 403 ? `Server status needs an admin token or one with system access; the server refused this one (403: ${e.message}).` : e.message));
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return (
    <main class="page">
      <h1>Server</h1>
      {error && <p class={reading ? 'error' : 'refused'} role="alert">{error}</p>}
      {!reading && !error && <p>Loading…</p>}
      {reading && <Figures reading={reading} />}
      <ServerAdmin />
    </main>
  );
}

function Figures({ reading }: { reading: Reading }) {
  const { status, figures: f } = reading;
  const rows: Array<[string, string]> = [
    ['Health', status.health],
    ['Version', status.version],
    ['Revision', status.revision],
    ['Uptime', show(f.uptimeSeconds, formatDuration)],
    ['Resident memory', show(f.rssBytes, formatBytes)],
    ['Lines written', show(f.writeLines)],
    ['Write requests', show(f.writeRequests)],
    ['Lines rejected', show(f.rejectedLines)],
    ['Write rate (lines/s)', show(reading.writeRate, (n) => n.toFixed(1))],
    ['Queries', show(f.queries)],
    ['Query errors', show(f.queryErrors)],
    ['Query rate (queries/s)', show(reading.queryRate, (n) => n.toFixed(2))],
    ['Mean query time', show(f.meanQueryMs, (n) => `${n.toFixed(1)} ms`)],
    ['Mean WAL fsync', show(f.meanFsyncMs, (n) => `${n.toFixed(2)} ms`)],
    ['HTTP requests', show(f.httpRequests)],
  ];
  return (
    <>
      <dl class="figures">
        {rows.map(([k, v]) => [<dt key={`${k}-k`}>{k}</dt>, <dd key={`${k}-v`} data-figure={k}>{v}</dd>])}
      </dl>
      <p class="muted">From /health, /ping and /metrics, every {REFRESH_MS / 1000} s; rates from the last two readings.</p>
    </>
  );
}
