import { isUtf8 } from 'node:buffer';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { AppError, badRequest } from '../../shared/app-error.js';

const gunzipAsync = promisify(gunzip);

export function payloadTooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `request body exceeds the maximum size of ${limit} bytes`, { status: 413 });
}

// Past the limit, up to this much more is read and dropped before the 413 goes out, so that a client which sends
// its whole body first (curl, fetch) reads the 413 instead of a reset; beyond it the connection is closed.
const LINGER_BYTES = 16 * 1024 * 1024;

// The body bytes as sent (still compressed), capped at `limit`; served from ctx.state.rawBody when already read.
async function rawBody(ctx: Context, limit: number): Promise<Buffer> {
  const buffered = ctx.state.rawBody as Buffer | undefined;
  if (buffered) return buffered;
  const declared = Number(ctx.get('content-length') || '0');
  try {
    if (declared > limit + LINGER_BYTES) throw payloadTooLarge(limit);
    return await collect(ctx.req, limit);
  } catch (err) {
    // The connection is not reused after an oversized or broken body: the rest of it may still be on the wire.
    ctx.set('Connection', 'close');
    throw err;
  }
}

function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  // Neither Content-Length nor Transfer-Encoding: the request has no body (RFC 9112 §6.3); no need to wait for 'end'.
  if (req.readableEnded || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)) {
    return Promise.resolve(Buffer.alloc(0));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      fn();
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit + LINGER_BYTES) settle(() => reject(payloadTooLarge(limit)));
      else if (size > limit) chunks.length = 0;
      else chunks.push(chunk);
    };
    const onEnd = (): void => settle(() => (size > limit ? reject(payloadTooLarge(limit)) : resolve(Buffer.concat(chunks, size))));
    const onGone = (): void => settle(() => reject(size > limit ? payloadTooLarge(limit) : badRequest('client disconnected before sending the whole request body')));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

// Reads the body ahead of the handler (the auth check needs its `db`); readBody then serves the same bytes.
export async function bufferBody(ctx: Context, limit: number): Promise<void> {
  ctx.state.rawBody = await rawBody(ctx, limit);
}

// Reads the whole request body, capped at `limit` bytes, and gunzips it when Content-Encoding says gzip.
export async function readBody(ctx: Context, limit: number): Promise<Buffer> {
  const raw = await rawBody(ctx, limit);
  const encoding = (ctx.get('content-encoding') || 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip') throw badRequest(`unsupported Content-Encoding '${encoding}': only gzip and identity are accepted`);
  try {
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw payloadTooLarge(limit);
    throw badRequest(`invalid gzip request body: ${(err as Error).message}`);
  }
}

// No API body nests this deep; deeper ones are refused before parsing, so nothing later recurses into them.
const MAX_JSON_DEPTH = 64;

// True when `{`/`[` outside strings open more than `max` levels (a linear scan; the text need not be valid JSON).
function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

// Reads a JSON body; needs Content-Type application/json (415 otherwise) unless `anyType` (upstream's query routes
// parse the body as JSON whatever the Content-Type), and an object or empty body.
export async function readJson(ctx: Context, limit: number, opts: { anyType?: boolean } = {}): Promise<Record<string, unknown>> {
  const type = (ctx.get('content-type') || '').split(';')[0]!.trim().toLowerCase();
  const body = await readBody(ctx, limit);
  if (body.length === 0) return {};
  if (!opts.anyType && type !== 'application/json') {
    throw new AppError('unsupported_media_type', `expected Content-Type application/json, got '${type || 'none'}'`, { status: 415 });
  }
  if (!isUtf8(body)) throw badRequest('invalid JSON body: body content is not valid utf8');
  const text = body.toString('utf8');
  if (nestingExceeds(text, MAX_JSON_DEPTH)) throw badRequest(`invalid JSON body: nested deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`invalid JSON body: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('invalid JSON body: expected a JSON object');
  }
  return value as Record<string, unknown>;
}

// Configure endpoints take their fields from the query string when there is one, otherwise from a JSON body.
export async function readParams(ctx: Context, limit: number): Promise<Record<string, unknown>> {
  if (ctx.querystring.length > 0) return { ...ctx.query };
  return readJson(ctx, limit);
}

export function stringParam(params: Record<string, unknown>, name: string, required: true): string;
export function stringParam(params: Record<string, unknown>, name: string, required?: false): string | undefined;
export function stringParam(params: Record<string, unknown>, name: string, required = false): string | undefined {
  const v = params[name];
  if (v === undefined || v === null || v === '') {
    if (required) throw badRequest(`missing required parameter '${name}'`);
    return undefined;
  }
  if (Array.isArray(v)) return stringParam({ [name]: v[v.length - 1] }, name, required as false);
  if (typeof v !== 'string') throw badRequest(`parameter '${name}' must be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function boolParam(params: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const v = params[name];
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v === 'boolean') return v;
  const s = String(Array.isArray(v) ? v[v.length - 1] : v).toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw badRequest(`parameter '${name}' must be true or false, got '${String(v)}'`);
}
