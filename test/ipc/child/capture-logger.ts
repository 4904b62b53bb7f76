import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/shared/logger.js';

// A real pino logger whose JSON lines land in an array the test can inspect.
export function captureLogger(): { logger: Logger; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}
