// A trigger's log as the page tails it: new rows appended once each (a poll asks again from the last time it saw,
// so rows of that instant come twice), only the newest `max` kept.

export interface LogLine {
  time: string;
  level: string;
  text: string;
}

const key = (l: LogLine): string => `${l.time}\u0000${l.level}\u0000${l.text}`;

export function mergeLogLines(held: readonly LogLine[], fresh: readonly LogLine[], max: number): LogLine[] {
  if (fresh.length === 0) return held as LogLine[];
  const last = held.length > 0 ? held[held.length - 1]!.time : null;
  // Only rows of the last instant held can be repeats.
  const seen = new Set(last === null ? [] : held.filter((l) => l.time === last).map(key));
  const added = fresh.filter((l) => !seen.has(key(l)));
  if (added.length === 0) return held as LogLine[];
  const all = [...held, ...added];
  return all.length > max ? all.slice(all.length - max) : all;
}
