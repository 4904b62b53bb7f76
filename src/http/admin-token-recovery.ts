import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CreatedToken } from '../auth/token-store.js';
import { AppError } from '../shared/app-error.js';
import type { Logger } from '../shared/logger.js';
import type { TlsMaterial } from './tls-files.js';
import { createdTokenBody } from './formats/created-token.js';

export const RECOVERY_PATH = '/api/v3/configure/token/admin/regenerate';

export interface RecoveryDeps {
  regenerate: () => CreatedToken;
  logger: Logger;
  // The API port's certificate: the recovery listener speaks TLS when the API does (as upstream).
  tls: TlsMaterial | null;
}

// --admin-token-recovery-http-bind: upstream's lost-token recovery listener. It answers one route without a token,
// POST /api/v3/configure/token/admin/regenerate, and closes after the first successful regeneration; everything
// else is 404. Meant for loopback: whoever reaches it gets the operator token.
export class AdminTokenRecoveryListener {
  private server: Server | null = null;

  constructor(private readonly deps: RecoveryDeps) {}

  async start(host: string, port: number): Promise<AddressInfo> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.handle(req, res);
    const server = this.deps.tls ? createHttpsServer(this.deps.tls.options, handler) : createHttpServer(handler);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE'
          ? new AppError('config_error', `cannot open the admin token recovery listener: ${host}:${port} is in use (--admin-token-recovery-http-bind)`)
          : err);
      });
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.deps.logger.warn({ address: `${address.address}:${address.port}` },
      'admin token recovery endpoint enabled: anyone who reaches this address can regenerate the operator token without a token');
    return address;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    req.resume();
    if (req.method !== 'POST' || path !== RECOVERY_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    try {
      const body = createdTokenBody(this.deps.regenerate());
      this.deps.logger.info('operator token regenerated through the recovery endpoint; closing it');
      res.writeHead(201, { 'content-type': 'application/json', connection: 'close' }).end(`${JSON.stringify(body)}\n`);
      res.once('finish', () => void this.stop());
    } catch (err) {
      const status = err instanceof AppError ? err.status : 500;
      res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify({ error: (err as Error).message })}\n`);
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }
}
