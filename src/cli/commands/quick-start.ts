import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { SERVE_OPTIONS, type ServeConfigRaw } from '../../config/schema.js';
import { readConfigFile } from '../../config/load.js';

// Bare `influxdb3` is upstream's quick start: `serve` with a file store under ~/.influxdb and the node id
// `<hostname>-node`, each only where the environment or INFLUXDB3_CONFIG_FILE does not already say otherwise.
// Returns the argv for `serve` and the notice to print (upstream's wording) when the node id was made up.
export function quickStartArgs(env: NodeJS.ProcessEnv): { args: string[]; notice?: string } {
  const file = env.INFLUXDB3_CONFIG_FILE ? readConfigFile(env.INFLUXDB3_CONFIG_FILE).raw : {};
  const given = (key: keyof ServeConfigRaw): boolean => {
    const spec = SERVE_OPTIONS.find((s) => s.key === key);
    return (spec?.env ?? []).some((name) => env[name] !== undefined) || (file as Record<string, unknown>)[key] !== undefined;
  };
  const args = ['serve'];
  const store = SERVE_OPTIONS.find((s) => s.key === 'objectStore')?.env.map((n) => env[n]).find((v) => v !== undefined) ?? (file as Record<string, unknown>).objectStore;
  if (!given('dataDir') && store !== 'memory') args.push('--data-dir', join(homedir(), '.influxdb'));
  if (given('nodeId') || given('nodeIdFromEnv')) return { args };
  const nodeId = `${hostname() || 'primary'}-node`;
  args.push('--node-id', nodeId);
  return { args, notice: `Using auto-generated node id: ${nodeId}. For production deployments, explicitly set --node-id` };
}
