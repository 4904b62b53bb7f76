import { expect } from 'chai';
import fc from 'fast-check';
import { crc32, crc32Fallback } from '../../../src/storage/wal/crc32.js';

describe('storage/wal/crc32', () => {
  it('matches the IEEE check value', () => {
    expect(crc32(Buffer.from('123456789'))).to.equal(0xcbf43926);
    expect(crc32Fallback(Buffer.from('123456789'))).to.equal(0xcbf43926);
    expect(crc32Fallback(Buffer.alloc(0))).to.equal(0);
  });

  it('fallback equals the active implementation, including chained values', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        expect(crc32Fallback(a)).to.equal(crc32(a));
        expect(crc32Fallback(b, crc32Fallback(a))).to.equal(crc32(Buffer.concat([a, b])));
      }),
    );
  });
});
