import { expect } from 'chai';
import { serializeLine } from '../../../src/storage/line-protocol/serialize-line.js';
import { parseLineProtocol } from '../../../src/storage/line-protocol/parse-line-protocol.js';
import type { ParsedLine } from '../../../src/storage/types.js';

const base: ParsedLine = { measurement: 'cpu', tags: [], fields: [{ key: 'f', type: 'float64', value: 1 }], timestamp: null };

describe('serializeLine', () => {
  it('writes every type in its line protocol form', () => {
    const text = serializeLine({
      measurement: 'cpu',
      tags: [['host', 'a']],
      fields: [
        { key: 'i', type: 'int64', value: -5n },
        { key: 'u', type: 'uint64', value: 18446744073709551615n },
        { key: 'f', type: 'float64', value: 1e21 },
        { key: 'z', type: 'float64', value: -0 },
        { key: 's', type: 'utf8', value: 'say "hi" \\ bye' },
        { key: 'b', type: 'bool', value: false },
      ],
      timestamp: -12n,
    });
    expect(text).to.equal('cpu,host=a i=-5i,u=18446744073709551615u,f=1e+21,z=-0,s="say \\"hi\\" \\\\ bye",b=false -12');
    const back = parseLineProtocol(text).lines[0]!.line;
    expect(Object.is(back.fields[3]!.value, -0)).to.equal(true);
  });

  it('escapes names for their position', () => {
    const text = serializeLine({ ...base, measurement: 'a b,c=d\\', tags: [['k ,=\\', 'v ,=\\']], fields: [{ key: 'f ,=', type: 'bool', value: true }] });
    expect(text).to.equal('a\\ b\\,c=d\\\\,k\\ \\,\\=\\\\=v\\ \\,\\=\\\\ f\\ \\,\\==true');
  });

  it('refuses what line protocol cannot carry', () => {
    expect(() => serializeLine({ ...base, fields: [] })).to.throw(/No fields were provided/);
    expect(() => serializeLine({ ...base, measurement: '' })).to.throw(/measurement is empty/);
    expect(() => serializeLine({ ...base, measurement: '#cpu' })).to.throw(/comment/);
    expect(() => serializeLine({ ...base, tags: [['a\nb', 'v']] })).to.throw(/tag key 'a\nb' contains a newline/);
    expect(() => serializeLine({ ...base, tags: [['k', 'a\tb']] })).to.throw(/contains a tab/);
    expect(() => serializeLine({ ...base, tags: [['k', '']] })).to.throw(/tag value is empty/);
    expect(() => serializeLine({ ...base, fields: [{ key: 'f', type: 'float64', value: Number.NaN }] })).to.throw(/non-finite/);
  });

  it('keeps newlines inside string values, which the parser reads back as one line', () => {
    const text = serializeLine({ ...base, fields: [{ key: 's', type: 'utf8', value: 'a\nb' }], timestamp: 1n });
    const { lines } = parseLineProtocol(`${text}\n${text}`);
    expect(lines.map((l) => [l.lineNumber, l.line.fields[0]!.value])).to.deep.equal([
      [1, 'a\nb'],
      [3, 'a\nb'],
    ]);
  });
});
