// A trigger's log, tailed live: system.processing_engine_logs polled every 1.5 s from the last time seen, new lines
// appended, the newest MAX_LINES kept; the view follows the end unless the reader scrolled up.
import { useEffect, useRef, useState } from 'preact/hooks';
import { triggerLog } from './engine-api.js';
import { clockText, parseTimestamp } from './engine-format.js';
import { mergeLogLines, type LogLine } from './log-lines.js';

const POLL_MS = 1500;
export const MAX_LINES = 500;

export function LogTail({ db, name }: { db: string; name: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  useEffect(() => {
    let stopped = false;
    let held: LogLine[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const since = held.length > 0 ? held[held.length - 1]!.time : null;
        const next = mergeLogLines(held, await triggerLog(db, name, since, MAX_LINES), MAX_LINES);
        if (stopped) return;
        if (next !== held) setLines((held = next));
        setError(null);
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [db, name]);
  useEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  const onScroll = () => {
    const el = box.current;
    if (el) follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };
  return (
    <section aria-labelledby="log-head">
      <h2 id="log-head">Log <span class="muted">(live, newest {MAX_LINES} lines)</span></h2>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="log" ref={box} onScroll={onScroll} role="log" aria-live="polite" tabIndex={0} aria-label={`log of ${name}`}>
        {lines.length === 0 && <p class="muted">No log lines yet.</p>}
        {lines.map((l, i) => {
          const ms = parseTimestamp(l.time);
          return (
            <div key={`${l.time}-${i}`} class={`log-line level-${l.level.toLowerCase()}`}>
              <time dateTime={l.time}>{ms === null ? l.time : clockText(ms)}</time> <span class="level">{l.level}</span> <span class="text">{l.text}</span>
            </div>
          );
        })}
      </div>
    </section>
  );
}
