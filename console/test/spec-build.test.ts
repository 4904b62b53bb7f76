import { expect } from 'chai';
import { EMPTY_DRAFT, buildSpec, curlExample, nextCronTimes, requestUrl, specProblem, utcText } from '../src/spec-build.js';

const at = (iso: string): number => Date.parse(iso);

describe('console/spec-build: the create form\'s spec builder', () => {
  it('builds each spec form from the choice and its input', () => {
    expect(buildSpec({ ...EMPTY_DRAFT, kind: 'table', table: ' cpu ' })).to.equal('table:cpu');
    expect(buildSpec({ ...EMPTY_DRAFT, kind: 'all_tables', table: 'ignored' })).to.equal('all_tables');
    expect(buildSpec({ ...EMPTY_DRAFT, kind: 'every', every: '1h 30m' })).to.equal('every:1h 30m');
    expect(buildSpec({ ...EMPTY_DRAFT, kind: 'cron', cron: '0 */5 * * * *' })).to.equal('cron:0 */5 * * * *');
    expect(buildSpec({ ...EMPTY_DRAFT, kind: 'request', path: '/hooks/in' })).to.equal('request:hooks/in');
  });

  it('checks a spec with the server\'s parser and gives its message', () => {
    expect(specProblem('every:10s')).to.equal(null);
    expect(specProblem('table:cpu')).to.equal(null);
    expect(specProblem('table:')).to.equal('failed to parse trigger from table:: table name is empty');
    expect(specProblem('every:soon')).to.match(/^failed to parse trigger from every:soon: couldn't parse to duration/);
    expect(specProblem('cron:61 * * * * *')).to.match(/seconds value 61 is out of range 0-59/);
    expect(specProblem('request:')).to.equal('failed to parse trigger from request:: request path is empty');
  });

  it('lists the next five firing times in UTC as the server computes them', () => {
    const from = at('2026-12-07T20:58:30Z');
    expect(nextCronTimes('0 0 * * * *', from).map((t) => new Date(t).toISOString())).to.deep.equal([
      '2026-12-07T21:00:00.000Z',
      '2026-12-07T22:00:00.000Z',
      '2026-12-07T23:00:00.000Z',
      '2026-12-08T00:00:00.000Z',
      '2026-12-08T01:00:00.000Z',
    ]);
    // Quartz weekday numbering: 2 = Monday (2026-12-07 is a Monday).
    expect(nextCronTimes('0 0 9 * * 2', from, 2).map((t) => new Date(t).toISOString())).to.deep.equal(['2026-12-14T09:00:00.000Z', '2026-12-21T09:00:00.000Z']);
    // Classic five fields: 1 = Monday.
    expect(nextCronTimes('0 9 * * 1', from, 1).map((t) => new Date(t).toISOString())).to.deep.equal(['2026-12-14T09:00:00.000Z']);
    expect(() => nextCronTimes('bad', from)).to.throw(/invalid cron syntax/);
    expect(utcText(at('2026-12-07T21:00:00Z'))).to.equal('2026-12-07 21:00:00 UTC');
  });

  it('shows a request trigger\'s URL and a curl call that keeps the token out of the page', () => {
    const url = requestUrl('http://127.0.0.1:8181', '/hooks/in');
    expect(url).to.equal('http://127.0.0.1:8181/api/v3/engine/hooks/in');
    const curl = curlExample(url);
    expect(curl).to.include("curl -X POST 'http://127.0.0.1:8181/api/v3/engine/hooks/in'");
    expect(curl).to.include('Bearer $INFLUXDB3_AUTH_TOKEN');
    expect(curlExample("http://h/api/v3/engine/it's")).to.include("'http://h/api/v3/engine/it'\\''s'");
  });
});
