import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import type { ServeConfig, ServeConfigRaw, UpstreamConfig } from './schema.js';

type Values = Partial<Record<keyof ServeConfigRaw, unknown>>;

// The upstream settings without a default: given on a node that is not a process node, they are a mistake.
const UPSTREAM_KEYS = ['upstreamUrl', 'upstreamToken', 'upstreamTokenFile', 'upstreamDatabaseMap', 'upstreamTlsCa', 'upstreamOrg'] as const;

// INFLUXDB3_UNSET_VARS (comma-separated names): those variables are removed before the configuration is read, as
// InfluxDB 3 Enterprise's image does, so a container can turn off what an inherited variable turns on (e.g. the
// engine that INFLUXDB3_PLUGIN_DIR=/plugins enables). Returns the names removed.
export function unsetVars(env: NodeJS.ProcessEnv): string[] {
  const list = env.INFLUXDB3_UNSET_VARS;
  if (!list) return [];
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new ConfigError(`invalid name '${name}' in INFLUXDB3_UNSET_VARS: expected comma-separated environment variable names`);
    }
  }
  for (const name of names) delete env[name];
  return names;
}

// --mode and the upstream settings: a process node needs a plugin dir and an upstream; other nodes take no upstream.
export function processMode(
  values: Values,
  present: Set<keyof ServeConfigRaw>,
  pluginDir: string | null,
  from: (key: keyof ServeConfigRaw) => string,
  warnings: string[],
): { mode: ServeConfig['mode']; upstream: UpstreamConfig | null } {
  const modes = [...new Set((values.mode as string[] | undefined) ?? ['all'])];
  if (modes.length === 0) throw new ConfigError(`invalid value '' for ${from('mode')}: expected all or process (or ingest, query, compact)`);
  const processNode = modes.length === 1 && modes[0] === 'process';
  if (!processNode) {
    const given = UPSTREAM_KEYS.filter((k) => present.has(k));
    if (given.length > 0) {
      throw new ConfigError(
        `${given.map(from).join(', ')} ${given.length === 1 ? 'is' : 'are'} only used by a process node, but the mode is '${modes.join(',')}' (from ${from('mode')}): ` +
          'set --mode process (mode in the TOML file, INFLUXDB3_ENTERPRISE_MODE) to run beside that InfluxDB, or remove the upstream settings',
      );
    }
    const roles = modes.filter((m) => m !== 'all' && m !== 'process');
    if (roles.length > 0) {
      warnings.push(`--mode ${modes.join(',')}: ${roles.join(', ')} ${roles.length === 1 ? 'is an' : 'are'} InfluxDB 3 Enterprise storage role${roles.length === 1 ? '' : 's'}; this server plays every role on one node, as with --mode all`);
    }
    return { mode: 'standalone', upstream: null };
  }
  if (pluginDir === null) {
    throw new ConfigError(
      `--mode process (from ${from('mode')}) needs a plugin directory, and none was given: set --plugin-dir (plugin-dir in the TOML file, INFLUXDB3_PLUGIN_DIR)`,
    );
  }
  const urlText = ((values.upstreamUrl as string | undefined) ?? '').trim();
  if (urlText === '') {
    throw new ConfigError(
      `--mode process (from ${from('mode')}) needs the InfluxDB that stores the data, and none was given: set --upstream-url (upstream-url in the TOML file, INFLUXDB3_UPSTREAM_URL), e.g. http://influxdb.example.com:8181`,
    );
  }
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new ConfigError(`invalid value '${urlText}' for ${from('upstreamUrl')}: expected an http:// or https:// URL, e.g. http://127.0.0.1:8181`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`invalid value '${urlText}' for ${from('upstreamUrl')}: expected an http:// or https:// URL, not ${url.protocol}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`invalid value '${urlText}' for ${from('upstreamUrl')}: give the base URL only (no query, fragment or credentials; the token goes in --upstream-token-file)`);
  }
  const token = upstreamToken(values, from);
  const databaseMap: Record<string, string> = {};
  for (const item of (values.upstreamDatabaseMap as string[] | undefined) ?? []) {
    const m = /^([^=\s]+)\s*=\s*([^=\s]+)$/.exec(item);
    if (!m) throw new ConfigError(`invalid item '${item}' in ${from('upstreamDatabaseMap')}: expected local=remote, e.g. sensors=prod_sensors`);
    if (databaseMap[m[1]!] !== undefined) throw new ConfigError(`database '${m[1]}' is mapped twice in ${from('upstreamDatabaseMap')}`);
    databaseMap[m[1]!] = m[2]!;
  }
  const tlsCaFile = ((values.upstreamTlsCa as string | undefined) ?? '').trim() || null;
  if (tlsCaFile && url.protocol !== 'https:') {
    throw new ConfigError(`${from('upstreamTlsCa')} is set, but the upstream URL '${urlText}' is not https://`);
  }
  return {
    mode: 'process',
    upstream: {
      url: url.toString().replace(/\/+$/, ''),
      token,
      databaseMap,
      tlsCaFile,
      org: ((values.upstreamOrg as string | undefined) ?? '').trim() || null,
      writeApi: values.upstreamWriteApi as UpstreamConfig['writeApi'],
      queryApi: values.upstreamQueryApi as UpstreamConfig['queryApi'],
      maxBacklogBytes: values.upstreamMaxBacklog as number,
      localRetentionMs: values.processLocalRetention as number,
    },
  };
}

function upstreamToken(values: Values, from: (key: keyof ServeConfigRaw) => string): string | null {
  const token = ((values.upstreamToken as string | undefined) ?? '').trim();
  const file = ((values.upstreamTokenFile as string | undefined) ?? '').trim();
  if (token && file) {
    throw new ConfigError(`both ${from('upstreamToken')} and ${from('upstreamTokenFile')} are set: give the upstream token one way`);
  }
  if (!file) return token || null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the upstream token file '${file}' (from ${from('upstreamTokenFile')}): ${(err as Error).message}`);
  }
  const read = text.trim();
  if (read === '' || /\s/.test(read)) {
    throw new ConfigError(`the upstream token file '${file}' (from ${from('upstreamTokenFile')}) must hold one token on one line`);
  }
  return read;
}
