import { readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { startServer } from '../test/helpers/server-process.js';
import { report } from './lib/results.js';

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

// Idle RSS of the server, against a bare Node process that only keeps an HTTP server open.
export async function runIdleRss(): Promise<void> {
  const server = await startServer();
  const bare = spawn(process.execPath, ['-e', "require('node:http').createServer((q,r)=>r.end('ok')).listen(0,'127.0.0.1')"], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const server_mb = rssMb(server.child.pid!);
    const bare_mb = rssMb(bare.pid!);
    report('idle-rss', [
      { name: 'server idle RSS', unit: 'MB', value: server_mb, baseline: { name: 'bare node http server RSS', value: bare_mb, unit: 'MB' }, ratio: server_mb / bare_mb, target: '<= 150 MB' },
    ]);
  } finally {
    bare.kill('SIGKILL');
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}
