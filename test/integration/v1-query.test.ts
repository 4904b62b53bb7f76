import { expect } from 'chai';
import { request } from 'node:http';
import { unpack } from 'msgpackr';
import { startServer, type ServerHandle } from '../helpers/server-process.js';
import { fetchAnswer, type HttpAnswer } from '../helpers/http.js';

// The 1.x /query API as 1.x clients use it: Accept-chosen encodings, chunked answers, every body form.
describe('integration: v1 /query encodings, chunking and request bodies', function () {
  this.timeout(60_000);
  let s: ServerHandle;
  const q = (params: Record<string, string>, init: RequestInit = {}): Promise<HttpAnswer> =>
    fetchAnswer(`${s.url}/query?${new URLSearchParams(params)}`, init);
  const SELECT = 'SELECT usage FROM cpu GROUP BY host';

  before(async () => {
    s = await startServer();
    const lp = 'cpu,host=a usage=1 1700000000\ncpu,host=a usage=2 1700000010\ncpu,host=a usage=3 1700000020\ncpu,host=b usage=4 1700000000\nmem,host=a free=5i 1700000000';
    const w = await fetchAnswer(`${s.url}/api/v3/write_lp?db=v1&precision=second`, { method: 'POST', body: lp });
    expect(w.status, w.text).to.equal(204);
  });
  after(async () => {
    await s?.stop();
  });

  it('answers CSV for Accept: application/csv, as upstream writes it', async () => {
    const r = await q({ db: 'v1', q: `${SELECT}; SELECT free FROM mem`, epoch: 's' }, { headers: { accept: 'application/csv' } });
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.equal('application/csv');
    expect(r.text).to.equal(
      'name,tags,time,usage\ncpu,host=a,1700000000,1\ncpu,host=a,1700000010,2\ncpu,host=a,1700000020,3\ncpu,host=b,1700000000,4\n' +
        '\nname,tags,time,free\nmem,,1700000000,5\n',
    );
    const ns = await q({ db: 'v1', q: 'SELECT free FROM mem' }, { headers: { accept: 'text/csv' } });
    expect(ns.text, 'nanoseconds without epoch').to.equal('name,tags,time,free\nmem,,1700000000000000000,5\n');
  });

  it('answers MessagePack for Accept: application/x-msgpack, keyed as 1.x clients decode it', async () => {
    const r = await fetch(`${s.url}/query?${new URLSearchParams({ db: 'v1', q: 'SELECT free FROM mem', epoch: 'ms' })}`, { headers: { accept: 'application/x-msgpack' } });
    expect(r.headers.get('content-type')).to.equal('application/x-msgpack');
    const doc = unpack(Buffer.from(await r.arrayBuffer()));
    expect(doc).to.deep.equal({ results: [{ statement_id: 0, series: [{ name: 'mem', columns: ['time', 'free'], values: [[1700000000000, 5]] }] }] });
  });

  it('streams chunked=true answers: chunk_size rows of one series per JSON line, partial until the last', async () => {
    const r = await q({ db: 'v1', q: SELECT, chunked: 'true', chunk_size: '2', epoch: 's' });
    expect(r.status).to.equal(200);
    const lines = r.text.split('\n');
    expect(lines.pop(), 'ends with a newline').to.equal('');
    expect(lines.map((l) => JSON.parse(l))).to.deep.equal([
      { results: [{ statement_id: 0, series: [{ name: 'cpu', tags: { host: 'a' }, columns: ['time', 'usage'], values: [[1700000000, 1], [1700000010, 2]], partial: true }], partial: true }] },
      { results: [{ statement_id: 0, series: [{ name: 'cpu', tags: { host: 'a' }, columns: ['time', 'usage'], values: [[1700000020, 3]] }], partial: true }] },
      { results: [{ statement_id: 0, series: [{ name: 'cpu', tags: { host: 'b' }, columns: ['time', 'usage'], values: [[1700000000, 4]] }] }] },
    ]);
    const whole = await q({ db: 'v1', q: SELECT, chunked: 'true' });
    expect(whole.text.trim().split('\n'), 'default chunk size 10000: one chunk per series').to.have.length(2);
    const bad = await q({ db: 'v1', q: SELECT, chunked: 'true', chunk_size: 'lots' });
    expect([bad.status, bad.json]).to.deep.equal([400, { error: "invalid chunk_size 'lots': expected a positive integer" }]);
  });

  it('sends a chunked answer with Transfer-Encoding: chunked', async () => {
    const encoding = await new Promise<string | undefined>((resolve, reject) => {
      const path = `/query?${new URLSearchParams({ db: 'v1', q: SELECT, chunked: 'true', chunk_size: '1' })}`;
      request(`${s.url}${path}`, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers['transfer-encoding']));
      }).on('error', reject).end();
    });
    expect(encoding).to.equal('chunked');
  });

  it('reads the statement from multipart, application/vnd.influxql and untyped bodies', async () => {
    const form = new FormData();
    form.set('db', 'v1');
    form.set('q', 'SELECT free FROM mem');
    form.set('epoch', 's');
    const multipart = await fetchAnswer(`${s.url}/query`, { method: 'POST', body: form });
    expect(multipart.json).to.deep.equal({ results: [{ statement_id: 0, series: [{ name: 'mem', columns: ['time', 'free'], values: [[1700000000, 5]] }] }] });
    for (const type of ['application/vnd.influxql', 'text/plain', '']) {
      const r = await fetchAnswer(`${s.url}/query?db=v1&epoch=s`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: 'SELECT free FROM mem' });
      expect(r.json, type).to.deep.equal(multipart.json);
    }
    const noBoundary = await fetchAnswer(`${s.url}/query`, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' });
    expect([noBoundary.status, noBoundary.json]).to.deep.equal([400, { error: 'a boundary is required for a multipart/form-data body' }]);
  });

  it('answers a statement that does not parse with 200 and the statement error, as 1.x and upstream', async () => {
    const r = await q({ db: 'v1', q: 'SELECT FROM cpu' });
    expect(r.status).to.equal(200);
    expect(r.json.results).to.have.length(1);
    expect(r.json.results[0].statement_id).to.equal(0);
    expect(r.json.results[0].error).to.match(/^error parsing query: found FROM/);
    expect(r.text.endsWith('}\n')).to.equal(true);
  });
});
