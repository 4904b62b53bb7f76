import type { UpstreamConfig } from '../config/schema.js';
import { errorMessage } from '../shared/app-error.js';
import type { Logger } from '../shared/logger.js';
import { UpstreamHttp, UpstreamUnreachableError } from './upstream-http.js';
import { probeUpstream, type UpstreamProfile } from './upstream-probe.js';

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

// A process node's link to its upstream InfluxDB: the HTTP client and the profile read from its /ping. The node
// starts whether or not the upstream answers; the probe is retried with backoff until it does, and whoever needs
// the profile (forwarding, plugin queries) waits for it.
export class UpstreamLink {
  readonly http: UpstreamHttp;
  private profileNow: UpstreamProfile | null = null;
  private waiting: Array<{ resolve: (p: UpstreamProfile) => void; reject: (err: unknown) => void }> = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastError: string | null = null;

  constructor(readonly config: UpstreamConfig, private readonly logger: Logger) {
    this.http = new UpstreamHttp(config);
  }

  // The profile once known, else null (see profile()).
  get current(): UpstreamProfile | null {
    return this.profileNow;
  }

  // Why the last probe failed (null once probed).
  get error(): string | null {
    return this.lastError;
  }

  // The local database's name on the upstream (--upstream-database-map).
  remoteDatabase(local: string): string {
    return this.config.databaseMap[local] ?? local;
  }

  start(): void {
    void this.probe(RETRY_MIN_MS);
  }

  // Resolves with the upstream's profile once it has answered; rejects if the node stops first.
  profile(): Promise<UpstreamProfile> {
    if (this.profileNow) return Promise.resolve(this.profileNow);
    if (this.stopped) return Promise.reject(new Error('the upstream link is stopped'));
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.waiting.splice(0)) w.reject(new Error('the upstream link is stopped'));
    this.http.close();
  }

  private async probe(delayMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      const profile = await probeUpstream(this.http, this.config);
      if (this.stopped) return;
      this.profileNow = profile;
      this.lastError = null;
      this.logger.info({ upstream: this.config.url, kind: profile.kind, version: profile.version, writeApi: profile.writeApi, queryApi: profile.queryApi }, 'upstream InfluxDB found');
      for (const w of this.waiting.splice(0)) w.resolve(profile);
    } catch (err) {
      if (this.stopped) return;
      const message = errorMessage(err);
      if (message !== this.lastError) {
        this.logger[err instanceof UpstreamUnreachableError ? 'warn' : 'error']({ upstream: this.config.url, retryInMs: delayMs }, `${message}; retrying`);
      }
      this.lastError = message;
      this.timer = setTimeout(() => void this.probe(Math.min(delayMs * 2, RETRY_MAX_MS)), delayMs);
      this.timer.unref();
    }
  }
}
