import { AppError, errorMessage } from '../../shared/app-error.js';

export const GH_PREFIX = 'gh:';

// `gh:<path>` plugins are fetched from --plugin-repo (reference §8) and run as single-file source text.
export async function fetchGhPlugin(pluginRepo: string, filename: string, timeoutMs = 15_000): Promise<string> {
  const path = filename.slice(GH_PREFIX.length).replace(/^\/+/, '');
  if (!path || path.split('/').includes('..')) {
    throw new AppError('plugin_fetch', `error fetching plugin from repository: invalid plugin name '${filename}'`, { status: 500 });
  }
  const url = new URL(path, pluginRepo.endsWith('/') ? pluginRepo : `${pluginRepo}/`);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new AppError('plugin_fetch', `error fetching plugin from repository: ${errorMessage(err)}`, { status: 500, cause: err });
  }
  if (!res.ok) {
    throw new AppError('plugin_fetch', `error fetching plugin from repository: ${res.status} ${res.statusText}`, { status: 500 });
  }
  return res.text();
}
