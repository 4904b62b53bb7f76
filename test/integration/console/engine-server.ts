import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerHandle } from '../../helpers/server-process.js';
import { buildTestVenv } from '../../fixtures/plugins/plugin-server.js';

export interface EngineServer {
  root: string;
  pluginDir: string;
  server: ServerHandle;
  admin: string;
  stop(): Promise<void>;
}

// A real server with authentication, a temp plugin dir holding `plugins` (file name → source) and the test venv,
// and its admin token: what the console's engine pages are tested against.
export async function startEngineServer(prefix: string, plugins: Record<string, string>): Promise<EngineServer> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  let server: ServerHandle | undefined;
  const stop = async () => {
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  };
  try {
    const pluginDir = join(root, 'plugins');
    await mkdir(pluginDir);
    for (const [name, source] of Object.entries(plugins)) await writeFile(join(pluginDir, name), source);
    const venv = await buildTestVenv(join(root, 'venv'));
    server = await startServer({ withoutAuth: false, args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv] });
    const res = await fetch(`${server.url}/api/v3/configure/token/admin`, { method: 'POST' });
    const admin = ((await res.json()) as { token: string }).token;
    return { root, pluginDir, server, admin, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
