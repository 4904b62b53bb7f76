import { expect } from 'chai';
import { lineErrorsBody, writeErrorMessage } from '../../../src/http/formats/write-errors.js';

describe('http/formats/write-errors', () => {
  it('renders line errors with InfluxDB 3 field names, in that order', () => {
    const body = lineErrorsBody([{ lineNumber: 2, raw: 'bad', message: 'no fields' }]);
    expect(JSON.stringify(body)).to.equal('[{"original_line":"bad","line_number":2,"error_message":"no fields"}]');
  });

  it('says partial when some lines were written', () => {
    expect(writeErrorMessage(1)).to.equal('partial write of line protocol occurred');
    expect(writeErrorMessage(0)).to.equal('line protocol parsing error');
  });
});
