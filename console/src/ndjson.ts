// Splits a streamed body into JSON lines as chunks arrive (docs/progress-stream.md): a line may span chunks.

export type ProgressEvent =
  | { type: 'progress'; line: string }
  | { type: 'result'; installed: string[]; exit_code: number; elapsed_ms: number }
  | { type: 'error'; status: number; error: string; data?: unknown; request_id?: string };

export class NdjsonSplitter {
  private pending = '';

  // The complete lines in `chunk` (plus what earlier chunks left over), parsed; blank lines are skipped.
  push(chunk: string): unknown[] {
    this.pending += chunk;
    const parts = this.pending.split('\n');
    this.pending = parts.pop()!;
    return parts.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
  }

  // What is left when the body ends: a last line without its newline.
  end(): unknown[] {
    const rest = this.pending;
    this.pending = '';
    return rest.trim() === '' ? [] : [JSON.parse(rest) as unknown];
  }
}

// The outcome of a finished stream: its last event, or a broken connection when none came.
export function streamOutcome(events: ProgressEvent[]): { ok: boolean; message: string } {
  const last = events.at(-1);
  if (last?.type === 'result') return { ok: true, message: last.installed.length ? `Installed ${last.installed.join(', ')}` : 'Everything was already installed' };
  if (last?.type === 'error') return { ok: false, message: `${last.status}: ${last.error}` };
  return { ok: false, message: 'The connection ended before the server said how the install went (see the server log).' };
}
