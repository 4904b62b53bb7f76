import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Context } from 'koa';
import { AppError, badRequest } from '../../shared/app-error.js';

const gunzipAsync = promisify(gunzip);

export function payloadTooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `request body exceeds the maximum size of ${limit} bytes`, { status: 413 });
}

// Reads the whole request body, capped at `limit` bytes, and gunzips it when Content-Encoding says gzip.
export async function readBody(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limit) throw payloadTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      ctx.req.resume();
      throw payloadTooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks, size);
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

// Reads a JSON body; needs Content-Type application/json (415 otherwise) and an object or empty body.
export async function readJson(ctx: Context, limit: number): Promise<Record<string, unknown>> {
  const type = (ctx.get('content-type') || '').split(';')[0]!.trim().toLowerCase();
  const body = await readBody(ctx, limit);
  if (body.length === 0) return {};
  if (type !== 'application/json') {
    throw new AppError('unsupported_media_type', `expected Content-Type application/json, got '${type || 'none'}'`, { status: 415 });
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
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
