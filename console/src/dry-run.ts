// The dry-run answer (POST /api/v3/plugin_test/wal|schedule) turned into what the Plugins page shows.

export interface DryRunResponse {
  trigger_time?: string | null;
  log_lines: string[];
  database_writes: Record<string, string[]>;
  errors: string[];
  error_details?: Array<{ message: string; type: string; traceback: string | null; log_lines: string[] }>;
}

export interface DryRunView {
  ok: boolean;
  triggerTime: string | null;
  logLines: string[];
  writes: Array<{ database: string; lines: string[] }>;
  errors: Array<{ message: string; traceback: string | null }>;
}

// On failure upstream leaves `log_lines` empty; the lines logged before the failure are in error_details.
export function dryRunView(r: DryRunResponse): DryRunView {
  const details = r.error_details ?? [];
  const logLines = r.log_lines.length > 0 ? r.log_lines : details.flatMap((d) => d.log_lines);
  const errors = r.errors.map((message, i) => ({ message, traceback: details[i]?.traceback ?? null }));
  const writes = Object.entries(r.database_writes)
    .filter(([, lines]) => lines.length > 0)
    .map(([database, lines]) => ({ database, lines }))
    .sort((a, b) => a.database.localeCompare(b.database));
  return { ok: errors.length === 0, triggerTime: r.trigger_time ?? null, logLines, writes, errors };
}
