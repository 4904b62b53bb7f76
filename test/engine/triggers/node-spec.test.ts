import { expect } from 'chai';
import { nodeSpecText, parseNodeSpec, runsOnNode } from '../../../src/engine/triggers/node-spec.js';

describe('engine/triggers/node-spec', () => {
  it('reads "all", the catalog shape {"nodes": [...]} and the CLI text nodes:a,b', () => {
    expect(parseNodeSpec(undefined)).to.equal('all');
    expect(parseNodeSpec(null)).to.equal('all');
    expect(parseNodeSpec('all')).to.equal('all');
    expect(parseNodeSpec({ nodes: ['proc-1', 'proc-2', 'proc-1'] })).to.deep.equal({ nodes: ['proc-1', 'proc-2'] });
    expect(parseNodeSpec('nodes:proc-1, proc-2')).to.deep.equal({ nodes: ['proc-1', 'proc-2'] });
  });

  it('refuses other values, naming them', () => {
    expect(() => parseNodeSpec('some')).to.throw(/invalid node_spec "some": expected "all" or "nodes:/);
    expect(() => parseNodeSpec({ nodes: [] })).to.throw(/name at least one node id/);
    expect(() => parseNodeSpec('nodes:')).to.throw(/'' is not a node id/);
    expect(() => parseNodeSpec({ nodes: ['a b'] })).to.throw(/'a b' is not a node id/);
    expect(() => parseNodeSpec({ nodes: ['a'], all: true })).to.throw(/expected "all" or \{"nodes"/);
  });

  it('runs a pinned trigger only on the nodes it names', () => {
    expect(runsOnNode('all', 'x')).to.equal(true);
    expect(runsOnNode({ nodes: ['a', 'b'] }, 'b')).to.equal(true);
    expect(runsOnNode({ nodes: ['a', 'b'] }, 'c')).to.equal(false);
    expect(nodeSpecText({ nodes: ['a', 'b'] })).to.equal('nodes:a,b');
    expect(nodeSpecText('all')).to.equal('all');
  });
});
