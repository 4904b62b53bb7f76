import { readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export const MB = 1024 * 1024;

// VmRSS (or another /proc/<pid>/status size, e.g. VmHWM) in bytes; undefined once the process is gone.
export function procStatusBytes(pid: number, key = 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// Resets the process's peak RSS (VmHWM) to its current RSS (Linux clear_refs 5); false where that is not allowed.
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// The sampler runs in a worker thread, so a busy benchmark event loop (decoding batches) does not delay samples.
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
let peak = 0, samples = 0;
const read = () => {
  try {
    const m = /VmRSS:\\s+(\\d+) kB/.exec(readFileSync('/proc/' + workerData.pid + '/status', 'utf8'));
    if (m) { peak = Math.max(peak, Number(m[1]) * 1024); samples++; }
  } catch {}
};
read();
const timer = setInterval(read, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); read(); parentPort.postMessage({ peak, samples }); });
`;

// Samples VmRSS of `pid` every `intervalMs`; stop() gives the peak in bytes and how many samples were taken.
export function sampleRss(pid: number, intervalMs = 50): { stop(): Promise<{ peak: number; samples: number }> } {
  const worker = new Worker(SAMPLER, { eval: true, workerData: { pid, intervalMs } });
  return {
    async stop() {
      const result = new Promise<{ peak: number; samples: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage('stop');
      const r = await result;
      await worker.terminate();
      return r;
    },
  };
}
