import type { PluginCallError } from '../runners/runner-errors.js';
import type { RequestOutput } from './trigger-event.js';

// A header value Node would refuse to send becomes empty, as upstream blanks values that are not valid HTTP.
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const VALID_HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// The `process_request` result (status, headers, body) as the plugin's HTTP answer.
export function requestOutput(raw: Record<string, unknown>): RequestOutput {
  const status = typeof raw.status === 'number' && raw.status >= 100 && raw.status <= 999 ? raw.status : 500;
  const headers: Record<string, string> = {};
  if (typeof raw.headers === 'object' && raw.headers !== null) {
    for (const [name, value] of Object.entries(raw.headers as Record<string, unknown>)) {
      if (!VALID_HEADER_NAME.test(name)) continue;
      const text = typeof value === 'string' ? value : String(value ?? '');
      headers[name] = INVALID_HEADER_VALUE.test(text) ? '' : text;
    }
  }
  const body = raw.body instanceof Uint8Array ? Buffer.from(raw.body) : Buffer.from(typeof raw.body === 'string' ? raw.body : '');
  return { status, headers, body };
}

// Upstream's text for a failed request plugin: exceptions raised by the call get the
// "Python function call failed: " prefix; load, response-mapping and host-side failures are shown as they are.
export function requestErrorText(err: PluginCallError): string {
  return err.kind === 'plugin' && err.phase === 'call' ? `Python function call failed: ${err.message}` : err.message;
}
