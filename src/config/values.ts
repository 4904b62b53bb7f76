import { parseDurationNs, DurationParseError } from '../shared/duration.js';
import { ConfigError } from './errors.js';
import type { OptionSpec } from './schema.js';
import { availableMemory, parseMemSize } from './upstream.js';

const BOOL_TRUE = ['true', '1', 'yes', 'on'];
const BOOL_FALSE = ['false', '0', 'no', 'off', ''];

function parseBytes(v: string): number | null {
  const m = /^\s*(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(v);
  if (!m) return null;
  const mult: Record<string, number> = { b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1e6, mib: 1024 ** 2, g: 1024 ** 3, gb: 1e9, gib: 1024 ** 3 };
  return Number(m[1]) * (m[2] ? mult[m[2].toLowerCase()]! : 1);
}

// One option's text as its typed value; `from` says where it was set (a flag, a variable, a config key and file).
export function typed(spec: OptionSpec, value: string, from: string): unknown {
  const bad = (accepted: string): never => {
    throw new ConfigError(`invalid value '${value}' for ${from}: expected ${accepted}`);
  };
  switch (spec.kind) {
    case 'bool': {
      const v = value.trim().toLowerCase();
      if (BOOL_TRUE.includes(v)) return true;
      if (BOOL_FALSE.includes(v)) return false;
      return bad('true or false');
    }
    case 'int': {
      if (!/^\s*\d+\s*$/.test(value)) bad('a whole number');
      return Number(value);
    }
    case 'bytes': {
      const n = parseBytes(value);
      return n === null ? bad('a size in bytes, e.g. 10485760 or 10MiB') : n;
    }
    case 'memsize': {
      const n = parseMemSize(value, availableMemory());
      return n === null || n === 0 ? bad('megabytes or a share of the memory, e.g. 4096, 2GB, 512MB or 20%') : n;
    }
    case 'count': {
      if (!/^\s*\d+\s*$/.test(value)) bad('a count (each -v adds one)');
      return Number(value);
    }
    case 'duration': {
      try {
        const ns = parseDurationNs(value);
        if (ns < 1_000_000n) bad('a duration of at least 1ms, e.g. 1s, 250ms, 1m');
        return Number(ns / 1_000_000n);
      } catch (err) {
        if (err instanceof DurationParseError) return bad('a duration such as 1s, 250ms, 1m 30s');
        throw err;
      }
    }
    case 'enum': {
      const v = value.trim().toLowerCase();
      return spec.choices!.includes(v) ? v : bad(`one of ${spec.choices!.join(', ')}`);
    }
    case 'list': {
      // Without choices (names, globs) the items keep their case.
      if (!spec.choices) return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const items = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
      for (const item of items) if (!spec.choices!.includes(item)) bad(`a comma-separated list of ${spec.choices!.join(', ')}`);
      return items;
    }
    default:
      return value;
  }
}
