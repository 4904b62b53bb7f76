// Names that look like credentials: a plugin must not read the server's tokens or cloud keys from its environment.
export const SECRET_ENV_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|PRIVATE|AUTH|CONNECTION_STRING/i;

// Always set: UTC like upstream's plugin runtime, unbuffered stderr so lines reach the log as they are written,
// and no bytecode files next to plugins (they would wake the plugin-dir watcher).
export const FIXED_CHILD_ENV: Readonly<Record<string, string>> = {
  TZ: 'UTC',
  PYTHONUNBUFFERED: '1',
  PYTHONDONTWRITEBYTECODE: '1',
};

// The runner's environment: the caller's minus anything secret-looking, then `extra` (trusted, kept as given),
// then the fixed variables, which nothing overrides.
export function buildChildEnv(
  base: NodeJS.ProcessEnv = process.env,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !SECRET_ENV_NAME.test(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return Object.assign(env, FIXED_CHILD_ENV);
}
