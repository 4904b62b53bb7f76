// Follows the gRPC length-prefixed framing (1 flag byte, 4-byte big-endian length, payload) of a request body
// and reports the first message longer than the limit, however the body arrives in chunks.
export class GrpcMessageLimit {
  private header = Buffer.alloc(5);
  private headerFill = 0;
  private remaining = 0;

  constructor(private readonly maxBytes: number) {}

  // The length of the first message over the limit in this chunk, or null.
  feed(chunk: Buffer): number | null {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        this.remaining -= take;
        at += take;
        continue;
      }
      const take = Math.min(5 - this.headerFill, chunk.length - at);
      chunk.copy(this.header, this.headerFill, at, at + take);
      this.headerFill += take;
      at += take;
      if (this.headerFill === 5) {
        this.headerFill = 0;
        const length = this.header.readUInt32BE(1);
        if (length > this.maxBytes) return length;
        this.remaining = length;
      }
    }
    return null;
  }
}
