import { expect } from 'chai';
import { specWords } from '../src/trigger-spec.js';

describe('console/trigger-spec: a trigger spec in the words a user types', () => {
  it('reads each form of the engine\'s serde JSON', () => {
    expect(specWords('{"single_table_wal_write":{"table_name":"cpu"}}')).to.equal('table:cpu');
    expect(specWords('"all_tables_wal_write"')).to.equal('all_tables');
    expect(specWords('{"schedule":{"schedule":"0 * * * * *"}}')).to.equal('cron:0 * * * * *');
    expect(specWords('{"request_path":{"path":"hooks/in"}}')).to.equal('request:hooks/in');
    expect(specWords('{"every":{"duration":{"secs":1,"nanos":0}}}')).to.equal('every:1s');
    expect(specWords('{"every":{"duration":{"secs":7200,"nanos":0}}}')).to.equal('every:2h');
    expect(specWords('{"every":{"duration":{"secs":90,"nanos":0}}}')).to.equal('every:90s');
    expect(specWords('{"every":{"duration":{"secs":0,"nanos":500000000}}}')).to.equal('every:500ms');
  });

  it('shows anything else as it is', () => {
    expect(specWords('not json')).to.equal('not json');
    expect(specWords('{"other":1}')).to.equal('{"other":1}');
  });
});
