import { PassThrough } from 'node:stream';
import { MsgpackCodec } from '../../../src/ipc/codec/msgpack-codec.js';
import { Connection, type ConnectionOptions } from '../../../src/ipc/connection/connection.js';
import { encodeFrame } from '../../../src/ipc/framing/encode-frame.js';
import { FrameDecoder } from '../../../src/ipc/framing/frame-decoder.js';

export type Wire = Record<string, any>;

// The child's end, scripted by the test: it sees raw wire maps, so the tests pin the wire format too.
export class FakePeer {
  readonly toHost = new PassThrough();
  readonly fromHost = new PassThrough();
  readonly received: Wire[] = [];
  private readonly codec = new MsgpackCodec();
  private readonly decoder = new FrameDecoder();
  private waiters: Array<() => void> = [];

  constructor() {
    this.fromHost.on('data', (chunk: Buffer) => {
      for (const payload of this.decoder.push(chunk)) this.received.push(this.codec.decode(payload) as Wire);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  connect(options: ConnectionOptions = {}): Connection {
    return new Connection(this.toHost, this.fromHost, options);
  }

  send(message: Wire): void {
    this.sendRaw(encodeFrame(this.codec.encode(message)));
  }

  sendRaw(bytes: Buffer): void {
    this.toHost.write(bytes);
  }

  // Resolves with the first received message matching `pred` (already received or still to come).
  async next(pred: (m: Wire) => boolean = () => true): Promise<Wire> {
    for (;;) {
      const i = this.received.findIndex(pred);
      if (i >= 0) return this.received.splice(i, 1)[0]!;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

export const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
