import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { Logger } from '../shared/logger.js';
import { errorResponse } from './middleware/error-mapper.js';

// The media type a client sends in `Accept` to get a long operation's progress (docs/progress-stream.md).
export const PROGRESS_STREAM_TYPE = 'application/x-ndjson';

// One line of the stream: any number of `progress`, then exactly one `result` or `error`.
export type ProgressEvent =
  | { type: 'progress'; line: string }
  | ({ type: 'result' } & Record<string, unknown>)
  | ({ type: 'error'; status: number } & Record<string, unknown>);

// True when the request asks for the NDJSON progress stream rather than the plain response (`*/*` or no Accept
// keeps the plain one, so clients that never heard of the stream get exactly what they always got).
export function wantsProgressStream(ctx: Context): boolean {
  if (!ctx.get('accept')) return false;
  return ctx.accepts('application/json', PROGRESS_STREAM_TYPE) === PROGRESS_STREAM_TYPE;
}

/**
 * Runs `work` and answers with its progress as NDJSON. The status is decided as late as it can be: a failure before
 * the first progress line is thrown (the error mapper answers it with its own status, as without the stream); once a
 * line went out the status is 200, and a later failure is the stream's last line, `{"type":"error",...}`, carrying
 * the status and body the plain response would have had. A client that goes away does not stop `work`.
 */
export async function respondWithProgress(
  ctx: Context,
  logger: Logger,
  work: (progress: (line: string) => void) => Promise<Record<string, unknown>>,
): Promise<void> {
  const stream = new PassThrough();
  const send = (event: ProgressEvent): void => {
    if (!stream.writableEnded && !stream.destroyed) stream.write(`${JSON.stringify(event)}\n`);
  };
  const early: string[] = [];
  let started = false;
  let firstLine: () => void = () => undefined;
  const firstLineSeen = new Promise<void>((resolve) => (firstLine = resolve));
  const progress = (line: string): void => {
    if (started) return send({ type: 'progress', line });
    early.push(line);
    firstLine();
  };
  const finished = work(progress);
  // A rejection before the first line is thrown below; afterwards it is the stream's last line.
  const settled = finished.then(() => 'done' as const, () => 'failed' as const);
  const first = await Promise.race([settled, firstLineSeen.then(() => 'line' as const)]);
  if (first === 'failed' && early.length === 0) await finished;
  started = true;
  ctx.status = 200;
  ctx.type = PROGRESS_STREAM_TYPE;
  ctx.set('cache-control', 'no-cache');
  // Proxies such as nginx would otherwise hold the lines back until the end.
  ctx.set('x-accel-buffering', 'no');
  ctx.body = stream;
  for (const line of early.splice(0)) send({ type: 'progress', line });
  void finished.then(
    (result) => send({ type: 'result', ...result }),
    (err: unknown) => {
      const { status, body, requestId } = errorResponse(err, ctx, logger);
      send({ type: 'error', status, ...body, ...(requestId ? { request_id: requestId } : {}) });
    },
  ).finally(() => stream.end());
}
