// humantime-compatible durations (the Rust crate upstream uses for `every:` and `--wal-flush-interval`).

const UNITS_NS: Record<string, bigint> = {};
function unit(ns: bigint, ...names: string[]): void {
  for (const n of names) UNITS_NS[n] = ns;
}
unit(1n, 'nsec', 'ns');
unit(1_000n, 'usec', 'us', 'µs');
unit(1_000_000n, 'msec', 'ms');
unit(1_000_000_000n, 'seconds', 'second', 'secs', 'sec', 's');
unit(60_000_000_000n, 'minutes', 'minute', 'min', 'mins', 'm');
unit(3_600_000_000_000n, 'hours', 'hour', 'hr', 'hrs', 'h');
unit(86_400_000_000_000n, 'days', 'day', 'd');
unit(604_800_000_000_000n, 'weeks', 'week', 'w');
unit(2_630_016_000_000_000n, 'months', 'month', 'M');
unit(31_557_600_000_000_000n, 'years', 'year', 'y');

export class DurationParseError extends Error {}

// Parses `1h 30m`, `90s`, `250ms`, `1day` into nanoseconds, with humantime's unit names.
export function parseDurationNs(input: string): bigint {
  const s = input.trim();
  if (s === '') throw new DurationParseError(`invalid duration '${input}': value was empty`);
  const re = /\s*(\d+)\s*([A-Za-zµ]+)\s*/y;
  let total = 0n;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) {
      throw new DurationParseError(
        `invalid duration '${input}': expected a number followed by a unit (ns, us, ms, s, m, h, d, w, M, y) at position ${pos}`,
      );
    }
    const mult = UNITS_NS[m[2]!];
    if (mult === undefined) {
      throw new DurationParseError(
        `invalid duration '${input}': unknown time unit '${m[2]}', supported units: ns, us, ms, s, m, h, d, w, M, y`,
      );
    }
    total += BigInt(m[1]!) * mult;
    pos = re.lastIndex;
  }
  return total;
}

export function parseDurationMs(input: string): number {
  return Number(parseDurationNs(input) / 1_000_000n);
}

const RENDER: Array<[bigint, string]> = [
  [31_557_600_000_000_000n, 'year'],
  [2_630_016_000_000_000n, 'month'],
  [86_400_000_000_000n, 'day'],
  [3_600_000_000_000n, 'h'],
  [60_000_000_000n, 'm'],
  [1_000_000_000n, 's'],
  [1_000_000n, 'ms'],
  [1_000n, 'us'],
  [1n, 'ns'],
];

// Renders like humantime's Display (`90s` → `1m 30s`), used for canonical trigger specs and log lines.
export function formatDurationNs(ns: bigint): string {
  if (ns === 0n) return '0s';
  const parts: string[] = [];
  let rest = ns;
  for (const [size, name] of RENDER) {
    if (rest >= size) {
      const n = rest / size;
      rest -= n * size;
      const plural = name.length > 2 && n !== 1n ? 's' : '';
      parts.push(`${n}${name}${plural}`);
    }
  }
  return parts.join(' ');
}
