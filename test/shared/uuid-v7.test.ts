import { expect } from 'chai';
import { uuidV7 } from '../../src/shared/uuid-v7.js';

describe('shared/uuid-v7', () => {
  it('puts the milliseconds first with version 7 and the RFC 9562 variant, random after', () => {
    const a = uuidV7(0x0123456789ab);
    expect(a).to.match(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV7(0x0123456789ab)).to.not.equal(a);
    expect(uuidV7(1) < uuidV7(2), 'sorts by time').to.equal(true);
  });
});
