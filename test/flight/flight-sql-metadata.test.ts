import { expect } from 'chai';
import { likePattern, metadataCommand } from '../../src/flight/flight-sql-metadata.js';
import { CommandGetTables, typeUrl } from '../../src/flight/proto/messages.js';

describe('flight/flight-sql-metadata', () => {
  it('matches Flight SQL filter patterns as LIKE does, whole string, other characters literal', () => {
    expect(likePattern(undefined)('anything')).to.equal(true);
    expect(likePattern('c%')('cpu')).to.equal(true);
    expect(likePattern('c%')('mem')).to.equal(false);
    expect(likePattern('i_x')('iox')).to.equal(true);
    expect(likePattern('i_x')('ioox')).to.equal(false);
    expect(likePattern('a.b')('a.b')).to.equal(true);
    expect(likePattern('a.b')('axb')).to.equal(false);
    expect(likePattern('(x)+')('(x)+')).to.equal(true);
  });

  it('decodes a metadata command and gives the specification\'s columns', () => {
    const value = CommandGetTables.encode(CommandGetTables.create({ table_name_filter_pattern: 'c%', include_schema: true })).finish();
    const found = metadataCommand(typeUrl(CommandGetTables), value);
    expect(found).to.not.equal(null);
    expect(found!.cmd.table_name_filter_pattern).to.equal('c%');
    expect(found!.command.columns(found!.cmd).map((c) => c.name)).to.deep.equal(['catalog_name', 'db_schema_name', 'table_name', 'table_type', 'table_schema']);
    expect(metadataCommand('type.googleapis.com/other.Message', value)).to.equal(null);
  });
});
