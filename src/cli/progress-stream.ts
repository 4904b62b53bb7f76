import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { LineSplitter } from '../shared/line-splitter.js';
import type { Client } from './client.js';

// The media type of the server's progress stream (docs/progress-stream.md).
const PROGRESS_STREAM_TYPE = 'application/x-ndjson';

interface StreamEvent {
  type?: string;
  line?: string;
  error?: string;
  [key: string]: unknown;
}

/**
 * POSTs `json` asking for the progress stream and hands each progress line to `onLine` as it arrives; resolves with
 * the final `result` line, throws the final `error` line's message. A server that answers the plain response
 * (upstream's, or one without the stream) is fine too: the result is then empty.
 */
export async function postWithProgress(client: Client, path: string, json: unknown, onLine: (line: string) => void): Promise<StreamEvent> {
  const res = await client.request('POST', path, { json, headers: { accept: `${PROGRESS_STREAM_TYPE}, application/json;q=0.5` } });
  if (!(res.headers.get('content-type') ?? '').startsWith(PROGRESS_STREAM_TYPE) || !res.body) {
    await res.text();
    return {};
  }
  let final: StreamEvent | null = null;
  const splitter = new LineSplitter((text) => {
    if (!text.trim()) return;
    let event: StreamEvent;
    try {
      event = JSON.parse(text) as StreamEvent;
    } catch {
      throw new Error(`the server sent a progress line that is not JSON: ${text.slice(0, 200)}`);
    }
    if (event.type === 'progress') onLine(String(event.line ?? ''));
    else if (event.type === 'result' || event.type === 'error') final = event;
  });
  for await (const chunk of Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)) splitter.push(chunk as Buffer);
  splitter.end();
  const last = final as StreamEvent | null;
  if (last === null) throw new Error(`the server closed the progress stream of ${path} before the end: the outcome is unknown; check the server log`);
  if (last.type === 'error') throw new Error(String(last.error ?? 'the server reported an error'));
  return last;
}
