import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { normaliseLevel } from '../shared/logger.js';
import { canonicalPath, isWithin } from '../shared/path-within.js';
import { ConfigError } from './errors.js';
import { SERVE_OPTIONS, type OptionSpec, type ServeConfig, type ServeConfigRaw } from './schema.js';
import { envDescription, readOrigin, type ConfigOrigin } from './origin.js';
import { didYouMean } from './suggest.js';
import { notApplicableByFlag, NOT_APPLICABLE_OPTIONS } from './upstream-options.js';
import { givenNotApplicable, notApplicableWarning, objectStoreKind, refuseClusterId, verboseLevel } from './upstream.js';
import { typed } from './values.js';
import { processMode, unsetVars } from './process-mode.js';

type Raw = Partial<Record<keyof ServeConfigRaw, string>>;
type Source = 'flag' | 'env' | 'file' | 'default';

export interface LoadInput {
  flags: Partial<Record<keyof ServeConfigRaw, string | boolean>>;
  // Upstream flags that do not apply here (flag name → value), accepted by `serve`.
  upstreamFlags?: Record<string, string | boolean>;
  env: NodeJS.ProcessEnv;
  configFile?: string | null;
}

interface FileSettings {
  raw: Raw;
  // Keys of upstream settings that do not apply here.
  notApplicable: string[];
}

// Every key a config file may hold, for suggestions.
export function knownKeys(): string[] {
  return [...SERVE_OPTIONS.flatMap((o) => [o.flag, ...(o.aliases ?? [])]), ...NOT_APPLICABLE_OPTIONS.map((o) => o.flag)];
}

// Reads the TOML file's flat `key = value` pairs; an unknown key is an error that suggests the closest known one.
export function readConfigFile(path: string): FileSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file '${path}': ${(err as Error).message}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`invalid TOML in config file '${path}': ${(err as Error).message}`);
  }
  const raw: Raw = {};
  const notApplicable: string[] = [];
  for (const [k, v] of Object.entries(doc)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)) {
      throw new ConfigError(`config key '${k}' in ${path} must be a plain value, got a table`);
    }
    const spec = SERVE_OPTIONS.find((o) => o.flag === k || o.aliases?.includes(k));
    if (!spec) {
      if (notApplicableByFlag(k)) {
        notApplicable.push(k);
        continue;
      }
      throw new ConfigError(`unknown key '${k}' in config file ${path}${didYouMean(k, knownKeys())}`);
    }
    raw[spec.key] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return { raw, notApplicable };
}

function pick(spec: OptionSpec, input: LoadInput, file: Raw): { value: string | undefined; source: Source; envName?: string } {
  const flag = input.flags[spec.key];
  if (flag !== undefined) return { value: typeof flag === 'boolean' ? String(flag) : flag, source: 'flag' };
  for (const name of spec.env) {
    const v = input.env[name];
    if (v !== undefined) return { value: v, source: 'env', envName: name };
  }
  if (file[spec.key] !== undefined) return { value: file[spec.key], source: 'file' };
  return { value: spec.default, source: 'default' };
}

// Where a value came from, as the operator wrote it (the conffile key for a variable the launcher derived).
let origin: ConfigOrigin | null = null;
let filePath: string | null = null;
const envUsed = new Map<keyof ServeConfigRaw, string>();

function describe(spec: OptionSpec, source: Source): string {
  if (source === 'env') return envDescription(envUsed.get(spec.key) ?? spec.env[0]!, origin);
  if (source === 'file') return `config key '${spec.flag}' in ${filePath}`;
  return `--${spec.flag}`;
}

function parseBind(value: string, from = '--http-bind'): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new ConfigError(`invalid value '${value}' for ${from}: expected address:port, e.g. 0.0.0.0:8181`);
  }
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

// The plugin upload API writes under the plugin dir: if it held the data dir (plugin-dir = "" in the packaged
// install is /var/lib/influxdb3, which holds data/), an upload could overwrite the catalog or a WAL segment.
function refuseOverlap(pluginDir: string, dataDir: string, sources: Map<keyof ServeConfigRaw, Source>): void {
  const plugins = canonicalPath(pluginDir);
  const data = canonicalPath(dataDir);
  const how = plugins === data ? 'is the same directory as' : isWithin(plugins, data) ? 'contains' : isWithin(data, plugins) ? 'is inside' : null;
  if (how === null) return;
  const from = (key: 'pluginDir' | 'dataDir'): string => {
    const spec = SERVE_OPTIONS.find((o) => o.key === key)!;
    return describe(spec, sources.get(key) ?? 'flag');
  };
  const shownPlugins = pluginDir === '.' ? `'${plugins}' (plugin-dir is empty: the working directory)` : `'${plugins}'`;
  throw new ConfigError(
    `the plugin directory ${shownPlugins}, from ${from('pluginDir')}, ${how} the data directory '${data}', from ${from('dataDir')}: ` +
      'plugin uploads could overwrite the catalog or the WAL. Give them separate directories: set --plugin-dir ' +
      '(plugin-dir in the TOML file, INFLUXDB3_PLUGIN_DIR) or --data-dir (data-dir, INFLUXDB3_DB_DIR), ' +
      'e.g. plugin-dir = "/var/lib/influxdb3/plugins" and data-dir = "/var/lib/influxdb3/data"',
  );
}

// A directory plugins may write to must not hold, or be inside, the data dir (the sandbox would expose it).
function refuseWritableOverData(paths: string[], dataDir: string | null, source: Source): string[] {
  const spec = SERVE_OPTIONS.find((o) => o.key === 'pluginWritablePaths')!;
  return paths.map((path) => {
    if (!isAbsolute(path)) {
      throw new ConfigError(`invalid value '${path}' for ${describe(spec, source)}: expected absolute directory paths`);
    }
    const dir = canonicalPath(path);
    if (dataDir) {
      const data = canonicalPath(dataDir);
      if (isWithin(dir, data) || isWithin(data, dir)) {
        throw new ConfigError(`invalid value '${path}' for ${describe(spec, source)}: it overlaps the data directory '${data}', which plugins must never see`);
      }
    }
    return dir;
  });
}

// A certificate needs its key and a key its certificate; the files themselves are read when the server starts.
// An idle timeout: a duration, or `never`/`0` (null: runners are never stopped for idleness).
function idleTimeoutMs(key: 'pluginRunnerIdleTimeout' | 'pluginRequestRunnerIdleTimeout', text: string, from: string): number | null {
  if (/^\s*(never|0)\s*$/i.test(text)) return null;
  const spec = SERVE_OPTIONS.find((o) => o.key === key)!;
  try {
    return typed({ ...spec, kind: 'duration' }, text, from) as number;
  } catch {
    throw new ConfigError(`invalid value '${text}' for ${from}: expected a duration such as 30s, 5m or 1h, or never (0) to keep runners`);
  }
}

function tlsSettings(values: Partial<Record<keyof ServeConfigRaw, unknown>>, sources: Map<keyof ServeConfigRaw, Source>): ServeConfig['tls'] {
  const cert = (values.tlsCert as string | undefined) || null;
  const key = (values.tlsKey as string | undefined) || null;
  const from = (k: 'tlsCert' | 'tlsKey'): string => describe(SERVE_OPTIONS.find((o) => o.key === k)!, sources.get(k) ?? 'flag');
  if (cert && !key) {
    throw new ConfigError(`the TLS certificate '${cert}' (from ${from('tlsCert')}) has no key: set --tls-key (INFLUXDB3_TLS_KEY, tls-key in the TOML file) too`);
  }
  if (key && !cert) {
    throw new ConfigError(`the TLS key '${key}' (from ${from('tlsKey')}) has no certificate: set --tls-cert (INFLUXDB3_TLS_CERT, tls-cert in the TOML file) too`);
  }
  if (!cert || !key) return null;
  return { certFile: cert, keyFile: key, minVersion: values.tlsMinimumVersion === 'tls-1.3' ? 'TLSv1.3' : 'TLSv1.2' };
}

// Merges flags > environment > TOML file > defaults into a validated ServeConfig.
export function loadServeConfig(input: LoadInput): ServeConfig {
  // INFLUXDB3_UNSET_VARS applies before anything is read (the serve command also removes them from process.env).
  input = { ...input, env: { ...input.env } };
  unsetVars(input.env);
  filePath = input.configFile ?? input.env.INFLUXDB3_CONFIG_FILE ?? null;
  origin = readOrigin(input.env);
  envUsed.clear();
  const settings = filePath ? readConfigFile(filePath) : { raw: {}, notApplicable: [] };
  const file = settings.raw;
  const values: Partial<Record<keyof ServeConfigRaw, unknown>> = {};
  const present = new Set<keyof ServeConfigRaw>();
  const sources = new Map<keyof ServeConfigRaw, Source>();
  for (const spec of SERVE_OPTIONS) {
    const { value, source, envName } = pick(spec, input, file);
    if (value === undefined) continue;
    present.add(spec.key);
    sources.set(spec.key, source);
    if (envName) envUsed.set(spec.key, envName);
    values[spec.key] = typed(spec, value, describe(spec, source));
  }
  const from = (key: keyof ServeConfigRaw): string => describe(SERVE_OPTIONS.find((o) => o.key === key)!, sources.get(key) ?? 'flag');
  if (present.has('clusterId')) refuseClusterId(from('clusterId'));
  const warnings: string[] = [];
  const debug: string[] = [];
  const notApplicable = notApplicableWarning(
    givenNotApplicable(input.upstreamFlags ?? {}, input.env, settings.notApplicable, filePath, origin),
  );
  if (notApplicable) warnings.push(notApplicable);
  const objectStore = objectStoreKind(values.objectStore as string, from('objectStore'), warnings);
  if (values.disableTelemetryUpload || present.has('telemetryEndpoint')) {
    debug.push('telemetry: influxdb3-engine sends none, so --disable-telemetry-upload and --telemetry-endpoint change nothing');
  }
  const verbose = verboseLevel((values.verbose as number | undefined) ?? 0);
  if (verbose) values.logFilter = verbose;
  const dataDir = (values.dataDir as string | undefined) ?? null;
  if (objectStore === 'file' && !dataDir) {
    throw new ConfigError(`--object-store file needs --data-dir (or INFLUXDB3_DB_DIR): no data directory was given`);
  }
  let nodeId = values.nodeId as string;
  const fromEnv = values.nodeIdFromEnv as string | undefined;
  if (fromEnv) {
    const v = input.env[fromEnv];
    if (!v) throw new ConfigError(`--node-id-from-env names '${fromEnv}', but that environment variable is not set`);
    nodeId = v;
  }
  let pluginDir: string | null = present.has('pluginDir') ? (values.pluginDir as string) : null;
  if (pluginDir === '') {
    warnings.push(
      'plugin-dir is set to an empty string, which keeps the Processing Engine ON with the current directory as plugin directory; unset INFLUXDB3_PLUGIN_DIR / comment out plugin-dir to disable it',
    );
    pluginDir = '.';
  }
  if (pluginDir !== null && dataDir) refuseOverlap(pluginDir, dataDir, sources);
  try {
    normaliseLevel(values.logFilter as string);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const restrict = values.restrictPluginTriggersTo as string[] | undefined;
  const cpuText = String(values.pluginCpuLimit ?? '0').trim();
  const pluginCpuLimit = /^\d+(\.\d+)?$/.test(cpuText) ? Number(cpuText) : NaN;
  if (!Number.isFinite(pluginCpuLimit)) {
    throw new ConfigError(`invalid value '${cpuText}' for --plugin-cpu-limit: expected a number of cores such as 0.5, 1 or 2 (0 = no limit)`);
  }
  const bind = parseBind(values.httpBind as string);
  const tls = tlsSettings(values, sources);
  const recovery = present.has('adminTokenRecoveryHttpBind')
    ? parseBind(values.adminTokenRecoveryHttpBind as string, from('adminTokenRecoveryHttpBind'))
    : null;
  for (const key of ['numIoThreads', 'numDatafusionThreads'] as const) {
    if (values[key] === 0) throw new ConfigError(`invalid value '0' for ${from(key)}: expected a number of threads of at least 1`);
  }
  const { mode, upstream } = processMode(values, present, pluginDir, from, warnings);
  return {
    httpHost: bind.host,
    httpPort: bind.port,
    objectStore,
    dataDir,
    nodeId,
    pluginDir,
    virtualEnvLocation: (values.virtualEnvLocation as string | undefined) || null,
    python: (values.python as string | undefined) || null,
    packageManager: values.packageManager as ServeConfig['packageManager'],
    pluginRepo: values.pluginRepo as string,
    restrictPluginTriggersTo: restrict && restrict.length > 0
      ? [...new Set(restrict.map((k) => (k === 'wal_flush' ? 'wal' : k)))] as ServeConfig['restrictPluginTriggersTo']
      : null,
    pluginDirOnly: values.pluginDirOnly as boolean,
    walFlushIntervalMs: values.walFlushInterval as number,
    maxHttpRequestSize: values.maxHttpRequestSize as number,
    withoutAuth: values.withoutAuth as boolean,
    adminTokenFile: (values.adminTokenFile as string | undefined) || null,
    disableAuthz: (values.disableAuthz as string[] | undefined) ?? [],
    disableUi: values.disableUi as boolean,
    maxConcurrentQueries: values.maxConcurrentQueries as number,
    queryLogSize: values.queryLogSize as number,
    logFilter: values.logFilter as string,
    logFormat: (values.logFormat as ServeConfig['logFormat'] | undefined) ?? null,
    logDestination: values.logDestination as ServeConfig['logDestination'],
    pluginTimeoutMs: values.pluginTimeout as number,
    pluginMemoryLimitBytes: values.pluginMemoryLimit as number,
    retentionCheckIntervalMs: values.retentionCheckInterval as number,
    httpHeadersTimeoutMs: values.httpHeadersTimeout as number,
    httpRequestTimeoutMs: values.httpRequestTimeout as number,
    pluginSandbox: values.pluginSandbox as ServeConfig['pluginSandbox'],
    pluginNetwork: values.pluginNetwork as ServeConfig['pluginNetwork'],
    pluginCpuLimit,
    pluginMaxProcesses: values.pluginMaxProcesses as number,
    pluginEnvDeny: (values.pluginEnvDeny as string[] | undefined) ?? [],
    pluginEnvAllow: present.has('pluginEnvAllow') ? ((values.pluginEnvAllow as string[] | undefined) ?? []) : null,
    pluginWalBacklogMaxBytes: values.pluginWalBacklogMax as number,
    pluginRunnerIdleTimeoutMs: idleTimeoutMs('pluginRunnerIdleTimeout', values.pluginRunnerIdleTimeout as string, from('pluginRunnerIdleTimeout')),
    pluginRequestRunnerIdleTimeoutMs: idleTimeoutMs('pluginRequestRunnerIdleTimeout', values.pluginRequestRunnerIdleTimeout as string, from('pluginRequestRunnerIdleTimeout')),
    pluginWritablePaths: refuseWritableOverData(
      (values.pluginWritablePaths as string[] | undefined) ?? [],
      dataDir,
      sources.get('pluginWritablePaths') ?? 'flag',
    ),
    tls,
    adminTokenRecovery: recovery,
    configFile: origin?.file ?? filePath,
    duckdbMemoryLimitBytes: (values.execMemPoolBytes as number | undefined) ?? null,
    duckdbThreads: ((values.numDatafusionThreads ?? values.numIoThreads) as number | undefined) ?? null,
    hardDeleteDefaultMs: values.hardDeleteDefaultDuration as number,
    deleteGracePeriodMs: values.deleteGracePeriod as number,
    mode,
    upstream,
    warnings,
    debug,
  };
}
