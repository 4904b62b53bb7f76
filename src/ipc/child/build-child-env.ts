// Always set: UTC like upstream's plugin runtime, unbuffered stderr so lines reach the log as they are written,
// and no bytecode files next to plugins (they would wake the plugin-dir watcher).
export const FIXED_CHILD_ENV: Readonly<Record<string, string>> = {
  TZ: 'UTC',
  PYTHONUNBUFFERED: '1',
  PYTHONDONTWRITEBYTECODE: '1',
};

// What a child inherits from the caller's environment (docs/security.md, "Environment"): everything, minus the
// names matching `deny`, minus any variable whose value contains one of `hiddenValues` (the server's own
// credentials); with `allow` set, only the names it matches. Globs are case-sensitive, `*` and `?` only.
export interface ChildEnvPolicy {
  deny: readonly string[];
  allow: readonly string[] | null;
  hiddenValues: readonly string[];
}

// Upstream runs plugins inside the server process, so they see its whole environment; that is the default here.
export const INHERIT_ALL: ChildEnvPolicy = { deny: [], allow: null, hiddenValues: [] };

// `AWS_SECRET_*` → /^AWS_SECRET_.*$/: a name glob, case-sensitive, nothing but `*` and `?` special.
export function envGlob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`);
}

// Applies a policy to an environment once; the result is what every child is started with (before extras).
export function filterEnv(base: NodeJS.ProcessEnv, policy: ChildEnvPolicy = INHERIT_ALL): Record<string, string> {
  const deny = policy.deny.map(envGlob);
  const allow = policy.allow?.map(envGlob) ?? null;
  const hidden = policy.hiddenValues.filter((v) => v !== '');
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (allow && !allow.some((re) => re.test(name))) continue;
    if (deny.some((re) => re.test(name))) continue;
    if (hidden.some((secret) => value.includes(secret))) continue;
    env[name] = value;
  }
  return env;
}

// The runner's environment: the caller's filtered by `policy`, then `extra` (trusted, kept as given), then the
// fixed variables, which nothing overrides.
export function buildChildEnv(
  base: NodeJS.ProcessEnv = process.env,
  extra: Record<string, string | undefined> = {},
  policy: ChildEnvPolicy = INHERIT_ALL,
): Record<string, string> {
  const env = filterEnv(base, policy);
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return Object.assign(env, FIXED_CHILD_ENV);
}
