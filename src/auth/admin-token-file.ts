import { readFile, stat, writeFile } from 'node:fs/promises';
import { AppError } from '../shared/app-error.js';
import { TOKEN_PREFIX } from './token-secret.js';
import { OPERATOR_TOKEN_NAME } from './token-store.js';

// Upstream's offline admin token file: `{"token": "apiv3_…", "name": "_admin", "expiry_millis": 1756400061529}`
// (`name` defaults to `_admin`, `expiry_millis` is optional).
export interface AdminTokenFile {
  token: string;
  name: string;
  expiryMillis: number | null;
}

function fileError(path: string, why: string): AppError {
  return new AppError('invalid_admin_token_file', `invalid admin token file '${path}': ${why}`, { status: 500 });
}

// Reads and validates the file; `warn` hears about a file that others than its owner can read.
export async function readAdminTokenFile(path: string, warn: (message: string) => void = () => undefined): Promise<AdminTokenFile> {
  let text: string;
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) warn(`admin token file '${path}' can be read by other users (mode ${(st.mode & 0o777).toString(8)}); restrict it to 0600`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fileError(path, (err as Error).message);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw fileError(path, `not JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fileError(path, 'expected a JSON object {"token", "name", "expiry_millis"}');
  const { token, name, expiry_millis: expiry } = doc as Record<string, unknown>;
  if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX) || token.length < TOKEN_PREFIX.length + 22) {
    throw fileError(path, `'token' must be a string starting with ${TOKEN_PREFIX} followed by at least 16 random bytes in base64`);
  }
  if (name !== undefined && (typeof name !== 'string' || name === '')) throw fileError(path, "'name' must be a non-empty string");
  if (expiry !== undefined && expiry !== null && (typeof expiry !== 'number' || !Number.isSafeInteger(expiry) || expiry <= 0)) {
    throw fileError(path, "'expiry_millis' must be a millisecond Unix timestamp");
  }
  return { token, name: (name as string | undefined) ?? OPERATOR_TOKEN_NAME, expiryMillis: (expiry as number | null | undefined) ?? null };
}

// `influxdb3 create token --admin --offline --output-file F`: writes the file with mode 0600.
export async function writeAdminTokenFile(path: string, file: AdminTokenFile): Promise<void> {
  const doc: Record<string, unknown> = { token: file.token, name: file.name };
  if (file.expiryMillis !== null) doc.expiry_millis = file.expiryMillis;
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}
