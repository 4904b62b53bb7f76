// `2026-01-01T00:00:05Z`: RFC 3339, UTC, whole seconds (the schedule test endpoint's trigger_time).
export function rfc3339Seconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

// `2026-01-01 00:00:05 UTC`: how upstream's "starting execution with scheduled time" line prints the time.
export function utcSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
