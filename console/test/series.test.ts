import { expect } from 'chai';
import { columnsOf, decimate, formatCell, toChartData } from '../src/series.js';

describe('console/series: query rows as chart series', () => {
  const t = (m: number) => `2026-01-01T00:${String(m).padStart(2, '0')}:00`;

  it('one line per numeric column and tag set, on a sorted time axis in seconds', async () => {
    const rows = [
      { room: 'b', temp: 2, time: t(1) },
      { room: 'a', temp: 1, time: t(0) },
      { room: 'a', temp: 3, time: t(1) },
    ];
    const data = (await toChartData(rows))!;
    const x0 = Date.UTC(2026, 0, 1) / 1000;
    expect(data.xs).to.deep.equal([x0, x0 + 60]);
    expect(data.series).to.deep.equal([
      { label: 'temp {room=b}', values: [null, 2] },
      { label: 'temp {room=a}', values: [1, 3] },
    ]);
    expect(data.decimated).to.equal(false);
  });

  it('keeps sub-millisecond digits and reads explicit offsets', async () => {
    const data = (await toChartData([{ time: '2026-01-01T00:00:00.000000500', v: 1 }, { time: '2026-01-01T01:00:00+01:00', v: 2 }]))!;
    const x0 = Date.UTC(2026, 0, 1) / 1000;
    expect(data.xs).to.deep.equal([x0, x0 + 5e-7]);
    expect(data.series[0]!.values).to.deep.equal([2, 1]);
  });

  it('no chart without a time column, without a numeric column or without rows', async () => {
    expect(await toChartData([])).to.equal(null);
    expect(await toChartData([{ v: 1 }])).to.equal(null);
    expect(await toChartData([{ time: t(0), host: 'a' }])).to.equal(null);
  });

  it('stops adding lines at maxSeries', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ host: `h${i}`, v: i, time: t(0) }));
    expect((await toChartData(rows, 3))!.series.map((s) => s.label)).to.deep.equal(['v {host=h0}', 'v {host=h1}', 'v {host=h2}']);
  });

  it('decimates to the min and max of each interval beyond maxPoints', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ v: i === 500 ? 1e6 : i % 7, time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() }));
    const data = (await toChartData(rows, 50, 100))!;
    expect(data.decimated).to.equal(true);
    expect(data.xs.length).to.equal(100);
    const values = data.series[0]!.values as number[];
    expect(Math.max(...values)).to.equal(1e6);
    expect(Math.min(...values)).to.equal(0);
    const direct = await decimate({ xs: [1, 2, 3, 4], series: [{ label: 'v', values: [4, null, 1, 2] }], decimated: false }, 2);
    expect(direct).to.deep.equal({ xs: [1, 4], series: [{ label: 'v', values: [1, 4] }], decimated: true });
  });

  it('columns from the rows, in first-seen order; cells as text', () => {
    expect(columnsOf([{ a: 1 }, { b: 2, a: 3 }])).to.deep.equal(['a', 'b']);
    expect([formatCell(null), formatCell(undefined), formatCell(1.5), formatCell('x'), formatCell({ k: 1 })]).to.deep.equal(['', '', '1.5', 'x', '{"k":1}']);
  });
});
