import { totalmem } from 'node:os';
import { ConfigError } from './errors.js';
import { envDescription, type ConfigOrigin } from './origin.js';
import { NOT_APPLICABLE_OPTIONS, isGenericEnv } from './upstream-options.js';

// Upstream settings that were given and do not apply here, each named as the operator wrote it.
export function givenNotApplicable(
  flags: Record<string, string | boolean>,
  env: NodeJS.ProcessEnv,
  fileKeys: string[],
  filePath: string | null,
  origin: ConfigOrigin | null,
): string[] {
  const names: string[] = [];
  for (const option of NOT_APPLICABLE_OPTIONS) {
    if (flags[option.flag] !== undefined) {
      names.push(`--${option.flag}`);
      continue;
    }
    const fromEnv = option.env.find((v) => env[v] !== undefined && (origin?.keys[v] !== undefined || !isGenericEnv(v)));
    if (fromEnv) names.push(envDescription(fromEnv, origin));
    else if (fileKeys.includes(option.flag)) names.push(`config key '${option.flag}' in ${filePath}`);
    else if (origin?.notApplicable?.includes(option.flag)) names.push(`config key '${option.flag}' in ${origin.file}`);
  }
  return names;
}

// One warning for all of them: a migrated unit starts, and the operator learns what is ignored.
export function notApplicableWarning(names: string[]): string | null {
  if (names.length === 0) return null;
  return `${names.length} InfluxDB 3 setting${names.length === 1 ? '' : 's'} not applicable to influxdb3-engine, ignored: ` +
    `${names.join(', ')} (they tune upstream's object store, Parquet files, DataFusion, tokio or tracing; ` +
    'this server keeps data in DuckDB under --data-dir)';
}

// --object-store: data must never silently land somewhere other than asked.
// Upstream's ObjectStoreType values are all known (case-insensitive, as clap's ignore_case).
export function objectStoreKind(text: string, from: string, warnings: string[]): 'memory' | 'file' {
  const value = text.trim().toLowerCase();
  if (value === 'file' || value === 'memory') return value;
  if (value === 'memory-throttled' || value === 'memorythrottled') {
    warnings.push(`object store '${value}' (from ${from}) runs as 'memory': there is no simulated cloud latency here`);
    return 'memory';
  }
  if (!['s3', 'google', 'azure'].includes(value)) {
    throw new ConfigError(`invalid value '${text}' for ${from}: expected one of memory, file`);
  }
  throw new ConfigError(
    `object store '${value}' (from ${from}) is not supported: influxdb3-engine stores data on local disk ('file', under --data-dir) ` +
      `or in 'memory'; it never writes to S3, Google Cloud Storage or Azure. Use --object-store file --data-dir DIR`,
  );
}

// Upstream's own message for an Enterprise flag given to Core.
export function refuseClusterId(from: string): never {
  throw new ConfigError(
    `${from} is an InfluxDB 3 Enterprise parameter: influxdb3-engine, like InfluxDB 3 Core, is a single node. Remove it to start`,
  );
}

// The memory a percentage is taken of: the cgroup limit when there is one (as upstream), else the machine's.
export function availableMemory(): number {
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  const total = totalmem();
  return limit > 0 && limit < total ? limit : total;
}

// Upstream's MemorySizeMb: 20% | 4096 (megabytes) | 2GB | 512MB | 64KB | 1048576b (binary units, as upstream).
export function parseMemSize(value: string, total: number): number | null {
  const v = value.trim().toLowerCase();
  const pct = /^(\d+)%$/.exec(v);
  if (pct) {
    const n = Number(pct[1]);
    return n > 100 ? null : Math.round((n / 100) * total);
  }
  const m = /^(\d+)\s*(gb|mb|kb|b)?$/.exec(v);
  if (!m) return null;
  const mult = { gb: 1024 ** 3, mb: 1024 ** 2, kb: 1024, b: 1 }[m[2] ?? 'mb']!;
  return Number(m[1]) * mult;
}

// -v/-vv/-vvv as upstream: info, debug, trace; overrides the log filter.
export function verboseLevel(count: number): string | null {
  if (count <= 0) return null;
  return count === 1 ? 'info' : count === 2 ? 'debug' : 'trace';
}
