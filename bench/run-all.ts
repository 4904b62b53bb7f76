import { runIngest } from './ingest.js';
import { runWriteLatency } from './write-latency.js';
import { runQuery } from './query.js';
import { runIdleRss } from './idle-rss.js';
import { runActivation } from './activation.js';
import { runWalThroughput } from './wal-throughput.js';
import { runWalTriggerE2e } from './wal-trigger-e2e.js';
import { runPluginQuery } from './plugin-query.js';
import { runRunnerFootprint } from './runner-footprint.js';
import { runHttpTrigger } from './http-trigger.js';
import { runTriggerLatency } from './trigger-latency.js';
import { runIsolation } from './isolation.js';
import { runScale100Triggers } from './scale-100-triggers.js';
import { runLastValueCache } from './last-value-cache.js';
import { runSandbox } from './sandbox.js';
import { runSqlFunctions } from './sql-functions.js';
import { runFlightQuery } from './flight-query.js';
import { runCliWrite } from './cli-write.js';
import { runPeers } from './peers.js';

// `npm run bench [name…]`: runs every benchmark (or the named ones) one after another.
const all: Record<string, () => Promise<void>> = {
  ingest: runIngest,
  'write-latency': runWriteLatency,
  query: runQuery,
  'idle-rss': runIdleRss,
  activation: runActivation,
  'wal-throughput': runWalThroughput,
  'wal-trigger-e2e': runWalTriggerE2e,
  'plugin-query': runPluginQuery,
  'runner-footprint': runRunnerFootprint,
  'http-trigger': runHttpTrigger,
  'trigger-latency': runTriggerLatency,
  isolation: runIsolation,
  'scale-100-triggers': runScale100Triggers,
  'last-value-cache': runLastValueCache,
  sandbox: runSandbox,
  'sql-functions': runSqlFunctions,
  'flight-query': runFlightQuery,
  'cli-write': runCliWrite,
  peers: runPeers,
  'idle-runners': async () => (await import('./idle-runners.js')).runIdleRunners(),
  'last-point': async () => (await import('./last-point.js')).runLastPoint(),
  'process-node': async () => (await import('./process-node.js')).runProcessNode(),
};
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted) {
  if (!all[name]) throw new Error(`unknown benchmark '${name}'; known: ${Object.keys(all).join(', ')}`);
}
// A benchmark that fails is reported and the others still run; the exit code says some failed.
const failed: string[] = [];
for (const name of wanted.length ? wanted : Object.keys(all)) {
  console.log(`--- ${name}`);
  try {
    await all[name]!();
  } catch (err) {
    failed.push(name);
    console.error(`${name}: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
if (failed.length > 0) {
  console.error(`failed benchmarks: ${failed.join(', ')}`);
  process.exitCode = 1;
}
