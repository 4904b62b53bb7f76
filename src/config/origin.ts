// The package's launcher turns conffile keys into environment variables; it records which variable came from
// which key in this variable, so that errors name `config key 'x' in /etc/influxdb3/influxdb3-engine.conf`
// instead of the derived variable the operator never wrote.
export const ORIGIN_ENV = 'INFLUXDB3_ENGINE_CONFIG_ORIGIN';

export interface ConfigOrigin {
  file: string;
  // environment variable → conffile key
  keys: Record<string, string>;
  // InfluxDB 3 keys of the file that do not apply here (not exported; named in the start warning).
  notApplicable?: string[];
}

export function readOrigin(env: NodeJS.ProcessEnv): ConfigOrigin | null {
  const text = env[ORIGIN_ENV];
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as ConfigOrigin;
    if (typeof parsed.file !== 'string' || typeof parsed.keys !== 'object' || parsed.keys === null) return null;
    return parsed;
  } catch {
    return null;
  }
}

// Where a value set through an environment variable was written by the operator.
export function envDescription(name: string, origin: ConfigOrigin | null): string {
  const key = origin?.keys[name];
  return key ? `config key '${key}' in ${origin!.file}` : `environment variable ${name}`;
}
