import { expect } from 'chai';
import { parseArgs, pluginFilePath, type PluginInfo } from '../src/plugin-api.js';

describe('console/plugin-api: what the Plugins page reads and sends', () => {
  it('plugin arguments as key=value pairs, null when none, and a pair without = refused by name', () => {
    expect(parseArgs('')).to.equal(null);
    expect(parseArgs(' a=1, b = two\nc=x=y ')).to.deep.equal({ a: '1', b: 'two', c: 'x=y' });
    expect(() => parseArgs('a=1, oops')).to.throw("argument 'oops' is not key=value");
  });

  it('a file of a package is under the package directory; a file plugin is its own path', () => {
    const base: PluginInfo = { name: 'x', kind: 'file', source: 'local', version: null, fileCount: 1, sizeBytes: 0, usedBy: [], lastError: null, files: [] };
    expect(pluginFilePath({ ...base, name: 'tools/sum.py' }, 'tools/sum.py')).to.equal('tools/sum.py');
    expect(pluginFilePath({ ...base, name: 'pkg/', kind: 'package' }, 'models/m.py')).to.equal('pkg/models/m.py');
  });
});
