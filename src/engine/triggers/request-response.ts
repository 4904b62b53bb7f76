import { CallPhase, type PluginResponse } from '../../ipc/index.js';
import type { PluginCallError } from '../runners/runner-errors.js';
import type { RequestOutput } from './trigger-event.js';

// A header value Node would refuse to send becomes empty, as upstream blanks values that are not valid HTTP.
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const VALID_HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// What a request plugin answered (status, headers, body) as an HTTP answer.
export function requestOutput(response: PluginResponse): RequestOutput {
  const status = response.status !== null && response.status >= 100 && response.status <= 999 ? response.status : 500;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (!VALID_HEADER_NAME.test(name)) continue;
    const text = typeof value === 'string' ? value : String(value ?? '');
    headers[name] = INVALID_HEADER_VALUE.test(text) ? '' : text;
  }
  const body = response.body instanceof Uint8Array ? Buffer.from(response.body) : Buffer.from(response.body);
  return { status, headers, body };
}

// Upstream's text for a failed request plugin: exceptions raised by the call get the
// "Python function call failed: " prefix; load, response-mapping and host-side failures are shown as they are.
export function requestErrorText(err: PluginCallError): string {
  return err.kind === 'plugin' && err.phase === CallPhase.call ? `Python function call failed: ${err.message}` : err.message;
}
