import { expect } from 'chai';
import { checkCron } from '../../../../src/engine/triggers/schedules/cron-syntax.js';

describe('engine/triggers/schedules/cron-syntax', () => {
  it('writes Quartz expressions back in numbers, with the crate’s years when none are given', () => {
    expect(checkCron('0 0 6 ? JAN,Jul MON-fri')).to.deep.equal({ dialect: 'quartz', text: '0 0 6 * 1,7 2-6 1970-2100', dayMatch: 'and' });
    expect(checkCron('5/15 */20 * * * Thurs *').text).to.equal('5-59/15 0-59/20 * * * 5 1970-2100');
    expect(checkCron('0 0 0 1 1 * 2026-2030/2').text).to.equal('0 0 0 1 1 * 2026-2030/2');
  });

  it('keeps classic numbering and the Vixie day rule', () => {
    expect(checkCron('*/15 9 13 * sun')).to.deep.equal({ dialect: 'classic', text: '0-59/15 9 13 * 0', dayMatch: 'or' });
    expect(checkCron('0 0 */2 * 1').dayMatch).to.equal('and');
  });

  it('expands shortcuts', () => {
    expect(checkCron(' @Weekly ').text).to.equal('0 0 0 * * 1 1970-2100');
  });
});
