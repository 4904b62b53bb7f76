import { errorMessage } from '../shared/app-error.js';
import type { Logger } from '../shared/logger.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import type { UpstreamLink } from './upstream-link.js';

// Past any storable timestamp: a cutoff that deletes every row (DuckDB reserves the int64 maximum for infinity).
const END_OF_TIME_NS = (1n << 63n) - 2n;

// The local copy of table data on a process node. Rows are applied locally until the upstream's profile is known
// (so nothing is lost to a guess); then, if the upstream answers SQL, the local rows go once and no more are kept;
// if it cannot (InfluxDB 1.x, 2.x), rows older than --process-local-retention are deleted every sweep.
export class LocalWindow {
  private timer: NodeJS.Timeout | null = null;
  private cleared = false;
  private running: Promise<void> = Promise.resolve();
  private readonly clock: Clock;

  constructor(
    private readonly opts: {
      link: Pick<UpstreamLink, 'current' | 'profile'>;
      storage: Pick<StorageEngine, 'databases' | 'deleteRowsBefore'>;
      retentionMs: number;
      logger: Logger;
      clock?: Clock;
    },
  ) {
    this.clock = opts.clock ?? systemClock;
  }

  // Sweeps every tenth of the window, between 1 s and 1 min.
  get intervalMs(): number {
    return Math.min(60_000, Math.max(1000, Math.floor(this.opts.retentionMs / 10)));
  }

  start(): void {
    // The first sweep as soon as the profile is known: rows applied before it may not belong here.
    this.opts.link.profile().then(() => {
      this.running = this.running.then(() => this.sweep());
    }, () => undefined);
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.sweep());
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  // One pass (the timer's; tests call it).
  async sweep(): Promise<void> {
    const profile = this.opts.link.current;
    if (!profile || (profile.answersSql && this.cleared)) return;
    const cutoff = profile.answersSql ? END_OF_TIME_NS : this.clock.nowNs() - BigInt(this.opts.retentionMs) * 1_000_000n;
    try {
      for (const db of this.opts.storage.databases()) await this.opts.storage.deleteRowsBefore(db, cutoff);
      if (profile.answersSql && !this.cleared) {
        this.cleared = true;
        this.opts.logger.info('the upstream answers SQL: this process node keeps no table data of its own');
      }
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err) }, 'deleting rows outside the local window failed; retrying at the next sweep');
    }
  }
}
