import { readFileSync } from 'node:fs';
import type { ServeConfig } from '../../config/schema.js';
import { filterEnv, type ChildEnvPolicy } from '../../ipc/index.js';

// Variables that point at the server's own credential files; the files are hidden from the sandbox, and the
// paths are of no use to a plugin.
const SERVER_CREDENTIAL_PATH_VARS = ['INFLUXDB3_ADMIN_TOKEN_FILE'];

// The secrets a credential file holds: its whole (trimmed) content and, for upstream's JSON admin token file,
// its `token`. An unreadable file yields nothing here: the server itself refuses to start on it.
export function credentialFileSecrets(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const secrets = new Set<string>();
  if (text.trim() !== '') secrets.add(text.trim());
  try {
    const doc = JSON.parse(text) as unknown;
    const token = (doc as { token?: unknown } | null)?.token;
    if (typeof token === 'string' && token !== '') secrets.add(token);
  } catch {
    // not JSON: the content itself is the secret
  }
  return [...secrets];
}

// Plugins see the server's environment as upstream's in-process plugins do (documented plugins read
// INFLUXDB3_AUTH_TOKEN, AWS_*, TWILIO_*, …), minus the server's own credentials and the operator's
// --plugin-env-deny, or only --plugin-env-allow (docs/security.md, "Environment"). Built once per server.
export function pluginEnvPolicy(config: Pick<ServeConfig, 'pluginEnvDeny' | 'pluginEnvAllow' | 'adminTokenFile'>): ChildEnvPolicy {
  const hiddenValues = config.adminTokenFile ? credentialFileSecrets(config.adminTokenFile) : [];
  return {
    deny: [...SERVER_CREDENTIAL_PATH_VARS, ...config.pluginEnvDeny],
    allow: config.pluginEnvAllow,
    hiddenValues,
  };
}

// The environment every runner and pip run inherits (before the runner's own fixed variables).
export function pluginBaseEnv(policy: ChildEnvPolicy, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return filterEnv(base, policy);
}
